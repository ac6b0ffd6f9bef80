package dev.cmk.http;

import dev.cmk.http.model.ApiModel.ErrorBody;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * The answers Jetty gives by itself, before or around the application (a bad request line or {@code
 * %00} in the path: 400; a slow body: 408; a long URI: 414; large headers: 431), in the API's one
 * error shape with a request id and the same security headers as every other answer.
 */
final class JettyErrors extends ErrorHandler {
  @Override
  public boolean errorPageForMethod(String method) {
    return true; // PUT, DELETE, PATCH get the JSON body too, not only GET/POST/HEAD
  }

  @Override
  protected void generateResponse(
      Request request,
      Response response,
      int code,
      String message,
      Throwable cause,
      Callback callback)
      throws IOException {
    HttpFields.Mutable h = response.getHeaders();
    String id = h.get(RequestIds.HEADER);
    if (id == null) {
      id = UUID.randomUUID().toString();
      h.put(RequestIds.HEADER, id);
    }
    SecurityHeaders.apply(request.getHttpURI().getPath(), h::put);
    h.put(HttpHeader.CONTENT_TYPE, "application/json");
    byte[] body = body(code, message, id);
    h.put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, ByteBuffer.wrap(body), callback);
  }

  @Override
  @SuppressWarnings("removal") // still how Jetty 12.1 answers a request it could not parse
  public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
    String id = UUID.randomUUID().toString();
    fields.put(RequestIds.HEADER, id);
    SecurityHeaders.API.forEach(fields::put);
    fields.put(HttpHeader.CONTENT_TYPE, "application/json");
    return ByteBuffer.wrap(body(status, reason, id));
  }

  static byte[] body(int status, String message, String requestId) {
    String text = message == null || message.isBlank() ? "the server refused the request" : message;
    return Json.text(
            new ErrorBody(
                new ErrorBody.Error(
                    code(status), Echo.cut(text.replace('\n', ' ')), null, requestId)))
        .getBytes(StandardCharsets.UTF_8);
  }

  /** The stable code for a status the server answers without a route deciding it. */
  static String code(int status) {
    return switch (status) {
      case 404 -> ErrorMapper.ROUTE_NOT_FOUND;
      case 405 -> ErrorMapper.METHOD_NOT_ALLOWED;
      case 408 -> ErrorMapper.REQUEST_TIMEOUT;
      case 413 -> dev.cmk.service.ErrorCode.CONTENT_TOO_LARGE.code();
      case 414 -> ErrorMapper.URI_TOO_LONG;
      case 415 -> dev.cmk.service.ErrorCode.UNSUPPORTED_MEDIA_TYPE.code();
      case 431 -> ErrorMapper.HEADERS_TOO_LARGE;
      case 503 -> dev.cmk.service.ErrorCode.SERVER_BUSY.code();
      default ->
          status < 500
              ? dev.cmk.service.ErrorCode.INVALID_REQUEST.code()
              : dev.cmk.service.ErrorCode.INTERNAL.code();
    };
  }
}
