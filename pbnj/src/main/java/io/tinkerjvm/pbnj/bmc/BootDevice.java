package io.tinkerjvm.pbnj.bmc;

/** The next boot device, persistent or once, EFI or legacy. NONE clears an override. */
public record BootDevice(Device device, boolean persistent, boolean efi) {
  public enum Device { NONE, PXE, DISK, CDROM, BIOS }

  public String describe() {
    return device.name().toLowerCase(java.util.Locale.ROOT) + " (" + (persistent ? "persistent" : "next boot only")
        + ", " + (efi ? "EFI" : "legacy") + ")";
  }
}
