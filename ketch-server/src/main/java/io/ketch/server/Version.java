package io.ketch.server;

/** Versions Ketch reports. */
public final class Version {
  /** Ketch's own version (from the jar manifest; "dev" when run from classes). */
  public static final String KETCH = orDev(Version.class.getPackage().getImplementationVersion());
  /**
   * The etcd API level Ketch implements, reported in Status.version (clients gate features on it):
   * the v3 API with the 3.5 fields and RPCs.
   */
  public static final String ETCD_API = "3.5.0";

  private Version() {}

  private static String orDev(String v) {
    return v == null ? "dev" : v;
  }
}
