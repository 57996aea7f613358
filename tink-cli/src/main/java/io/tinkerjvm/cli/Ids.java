package io.tinkerjvm.cli;

import java.util.regex.Pattern;

final class Ids {
  private static final Pattern UUID = Pattern.compile(
      "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");

  private Ids() {}

  static boolean isUuid(String s) {
    return s != null && UUID.matcher(s.trim()).matches();
  }
}
