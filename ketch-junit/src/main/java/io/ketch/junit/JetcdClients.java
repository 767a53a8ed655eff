package io.ketch.junit;

import java.util.List;

/** jetcd clients, in a class of their own: loaded only when a test asks for one (jetcd is optional). */
final class JetcdClients {
  private JetcdClients() {}

  static AutoCloseable connect(List<String> endpoints) {
    return io.etcd.jetcd.Client.builder().endpoints(endpoints.toArray(String[]::new)).build();
  }
}
