package io.tinkerjvm.boots.dhcp;

/**
 * Client system architectures of option 93 (RFC 4578 and the IANA registry) and the iPXE binary each one
 * boots, following smee: BIOS gets undionly.kpxe, x86 UEFI gets ipxe.efi, ARM UEFI gets snp.efi.
 */
public final class ClientArch {
  public static final String UNDIONLY = "undionly.kpxe";
  public static final String IPXE_EFI = "ipxe.efi";
  public static final String SNP_EFI = "snp.efi";

  private ClientArch() {}

  /** The binary for an architecture code, or null for one no iPXE build here can boot. */
  public static String binaryFor(int arch) {
    return switch (arch) {
      case 0, 1, 2, 3, 4, 5 -> UNDIONLY;               // x86 BIOS and the early Itanium/ARC codes
      case 6, 7, 9, 15, 16 -> IPXE_EFI;                 // x86 / x64 UEFI, PXE and HTTP boot
      case 10, 11, 18, 19, 41 -> SNP_EFI;               // ARM 32 / 64 UEFI, PXE and HTTP boot
      default -> null;
    };
  }

  /** Architectures whose firmware boots over HTTP (RFC 4578 update, IANA codes 15, 16, 18, 19). */
  public static boolean isHttpBoot(int arch) {
    return arch == 15 || arch == 16 || arch == 18 || arch == 19;
  }

  public static String name(int arch) {
    return switch (arch) {
      case 0 -> "x86 BIOS";
      case 6 -> "x86 UEFI";
      case 7, 9 -> "x64 UEFI";
      case 10 -> "ARM32 UEFI";
      case 11 -> "ARM64 UEFI";
      case 15 -> "x86 UEFI HTTP";
      case 16 -> "x64 UEFI HTTP";
      case 18 -> "ARM32 UEFI HTTP";
      case 19 -> "ARM64 UEFI HTTP";
      case 41 -> "ARM64 raspberry pi";
      default -> "arch " + arch;
    };
  }
}
