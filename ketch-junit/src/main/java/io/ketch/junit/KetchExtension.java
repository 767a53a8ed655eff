package io.ketch.junit;

import io.ketch.client.Client;
import io.ketch.embed.EmbeddedKetch;
import io.ketch.embed.EmbeddedKetchException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The JUnit 5 extension behind {@link KetchTest}, also usable on its own:
 *
 * <pre>{@code
 * @RegisterExtension
 * static KetchExtension ketch = KetchExtension.builder().members(3).build();
 * }</pre>
 *
 * <p>Starts an {@link EmbeddedKetch} per test class or per test method, and gives fields and
 * parameters of type {@link EmbeddedKetch}, {@link Client} and (with jetcd on the classpath)
 * {@code io.etcd.jetcd.Client} the cluster and clients of every member's endpoint; closes them all
 * (clients first) when the class or method is done. Its state lives in JUnit's extension stores,
 * never in static fields, so test classes and methods may run in parallel.
 */
public final class KetchExtension implements BeforeAllCallback, BeforeEachCallback, ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(KetchExtension.class);
  private static final String SCOPE = "scope";
  private static final String JETCD_CLIENT = "io.etcd.jetcd.Client";

  /** Settings given in code; null: read {@link KetchTest} from the test class. */
  private final Settings settings;

  private record Settings(int members, KetchTest.Lifecycle lifecycle, List<String> config) {}

  /** The extension as {@link KetchTest} registers it. */
  public KetchExtension() {
    this(null);
  }

  private KetchExtension(Settings settings) {
    this.settings = settings;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Settings for {@code @RegisterExtension}. */
  public static final class Builder {
    private int members = 1;
    private KetchTest.Lifecycle lifecycle = KetchTest.Lifecycle.PER_CLASS;
    private final List<String> config = new ArrayList<>();

    private Builder() {}

    public Builder members(int n) {
      this.members = n;
      return this;
    }

    public Builder lifecycle(KetchTest.Lifecycle l) {
      this.lifecycle = l;
      return this;
    }

    public Builder config(String... flags) {
      config.addAll(List.of(flags));
      return this;
    }

    public KetchExtension build() {
      return new KetchExtension(new Settings(members, lifecycle, List.copyOf(config)));
    }
  }

  private Settings settings(ExtensionContext context) {
    if (settings != null) {
      return settings;
    }
    KetchTest t = context.getRequiredTestClass().getAnnotation(KetchTest.class);
    if (t == null) {
      return new Settings(1, KetchTest.Lifecycle.PER_CLASS, List.of());
    }
    return new Settings(t.members(), t.lifecycle(), List.of(t.config()));
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    if (settings(context).lifecycle() == KetchTest.Lifecycle.PER_CLASS) {
      Scope scope = start(context);
      inject(null, context.getRequiredTestClass(), scope);
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    Scope scope = settings(context).lifecycle() == KetchTest.Lifecycle.PER_METHOD ? start(context) : scope(context);
    for (Object instance : context.getRequiredTestInstances().getAllInstances()) {
      inject(instance, instance.getClass(), scope);
    }
  }

  private Scope start(ExtensionContext context) {
    Settings s = settings(context);
    EmbeddedKetch cluster;
    try {
      cluster = EmbeddedKetch.builder().members(s.members()).config(s.config().toArray(String[]::new)).start();
    } catch (EmbeddedKetchException e) {
      throw new ExtensionConfigurationException("Ketch did not start: " + e.getMessage(), e);
    }
    Scope scope = new Scope(cluster);
    context.getStore(NAMESPACE).put(SCOPE, scope);
    return scope;
  }

  /** The cluster of the nearest scope (the method's, else the class's). */
  private static Scope scope(ExtensionContext context) {
    for (Optional<ExtensionContext> c = Optional.of(context); c.isPresent(); c = c.get().getParent()) {
      Scope s = c.get().getStore(NAMESPACE).get(SCOPE, Scope.class);
      if (s != null) {
        return s;
      }
    }
    throw new ExtensionConfigurationException("no Ketch cluster here: per-class clusters are not given to static"
        + " methods other than @BeforeAll, per-method ones only to the test and its @BeforeEach/@AfterEach");
  }

  private static void inject(Object instance, Class<?> type, Scope scope) {
    for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        boolean isStatic = Modifier.isStatic(f.getModifiers());
        if ((instance == null) != isStatic || Modifier.isFinal(f.getModifiers())) {
          continue;
        }
        Object value = scope.resolve(f.getType());
        if (value == null) {
          continue;
        }
        try {
          f.setAccessible(true);
          if (f.get(instance) == null) {
            f.set(instance, value);
          }
        } catch (IllegalAccessException e) {
          throw new ExtensionConfigurationException("cannot set " + f + ": " + e.getMessage(), e);
        }
      }
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> t = parameter.getParameter().getType();
    return t == EmbeddedKetch.class || t == Client.class || t.getName().equals(JETCD_CLIENT);
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return scope(context).resolve(parameter.getParameter().getType());
  }

  /** The cluster handle of the current class or method, for {@code @RegisterExtension} users. */
  public EmbeddedKetch cluster(ExtensionContext context) {
    return scope(context).cluster;
  }

  /** A cluster and the clients made for it, closed together (clients first). */
  private static final class Scope implements ExtensionContext.Store.CloseableResource {
    private final EmbeddedKetch cluster;
    private Client client;
    private AutoCloseable jetcd;

    Scope(EmbeddedKetch cluster) {
      this.cluster = cluster;
    }

    /** The object of {@code type} this scope gives, or null for a type it does not give. */
    synchronized Object resolve(Class<?> type) {
      if (type == EmbeddedKetch.class) {
        return cluster;
      }
      if (type == Client.class) {
        if (client == null) {
          client = Client.builder().endpoints(cluster.endpoints().toArray(String[]::new)).build();
        }
        return client;
      }
      if (type.getName().equals(JETCD_CLIENT)) {
        if (jetcd == null) {
          jetcd = JetcdClients.connect(cluster.endpoints());
        }
        return jetcd;
      }
      return null;
    }

    @Override
    public synchronized void close() throws Exception {
      try {
        if (client != null) {
          client.close();
        }
        if (jetcd != null) {
          jetcd.close();
        }
      } finally {
        cluster.close();
      }
    }
  }
}
