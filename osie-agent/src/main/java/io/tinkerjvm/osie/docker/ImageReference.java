package io.tinkerjvm.osie.docker;

/**
 * Where an action's image is pulled from: tink-worker's DOCKER_REGISTRY prefix, which it puts before every
 * image, fully qualified ones too (so a mirror can hold {@code quay.io/tinkerbell-actions/...} under
 * itself), except that a reference already naming that registry is not given it twice.
 */
public final class ImageReference {
  private static final String DOCKER_HUB = "docker.io";

  private ImageReference() {}

  /** {@code registry/image}, unless there is no registry or {@code image} already starts with it. */
  public static String qualify(String registry, String image) {
    if (registry == null || registry.isBlank()) {
      return image;
    }
    String prefix = registry.endsWith("/") ? registry.substring(0, registry.length() - 1) : registry;
    return image.startsWith(prefix + "/") ? image : prefix + "/" + image;
  }

  /** The registry host a reference points at, for the pull's credentials; docker.io when it names none. */
  public static String registryOf(String reference) {
    return isQualified(reference) ? reference.substring(0, reference.indexOf('/')) : DOCKER_HUB;
  }

  /** {@code reference} with {@code :latest} when it names no tag or digest, since an empty tag pulls every tag. */
  public static String withDefaultTag(String reference) {
    String last = reference.substring(reference.lastIndexOf('/') + 1);
    return reference.contains("@") || last.contains(":") ? reference : reference + ":latest";
  }

  static boolean isQualified(String image) {
    int slash = image.indexOf('/');
    if (slash < 0) {
      return false;
    }
    String first = image.substring(0, slash);
    return first.contains(".") || first.contains(":") || first.equals("localhost");
  }
}
