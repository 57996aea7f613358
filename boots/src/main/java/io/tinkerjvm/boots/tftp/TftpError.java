package io.tinkerjvm.boots.tftp;

/** TFTP error codes (RFC 1350, and 8 from RFC 2347). */
public final class TftpError {
  public static final int NOT_DEFINED = 0;
  public static final int FILE_NOT_FOUND = 1;
  public static final int ACCESS_VIOLATION = 2;
  public static final int ILLEGAL_OPERATION = 4;
  public static final int UNKNOWN_TRANSFER_ID = 5;
  public static final int OPTION_REFUSED = 8;

  private TftpError() {}
}
