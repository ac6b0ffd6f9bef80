package dev.cmk.http;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.IOException;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Javalin reads the method from {@code X-HTTP-Method-Override} when present, so a POST could act as
 * a DELETE past proxies and logs that see a POST. The API has no use for it: the header (and its
 * {@code X-HTTP-Method} / {@code X-Method-Override} variants) is removed before Javalin sees it.
 */
public final class MethodOverrideOff implements Filter {
  private static final Set<String> HIDDEN = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);

  static {
    HIDDEN.addAll(Set.of("X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override"));
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    chain.doFilter(new Hidden((HttpServletRequest) req), res);
  }

  private static final class Hidden extends HttpServletRequestWrapper {
    Hidden(HttpServletRequest r) {
      super(r);
    }

    @Override
    public @Nullable String getHeader(String name) {
      return HIDDEN.contains(name) ? null : super.getHeader(name);
    }

    @Override
    public Enumeration<String> getHeaders(String name) {
      return HIDDEN.contains(name) ? Collections.emptyEnumeration() : super.getHeaders(name);
    }

    @Override
    public Enumeration<String> getHeaderNames() {
      return Collections.enumeration(
          Collections.list(super.getHeaderNames()).stream()
              .filter(h -> !HIDDEN.contains(h))
              .toList());
    }
  }
}
