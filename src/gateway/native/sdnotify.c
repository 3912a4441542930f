// sd_notify(3) for Node: one datagram to systemd's $NOTIFY_SOCKET (readiness, watchdog keep-alive,
// status). Node has no AF_UNIX datagram sockets, and `systemd-notify` as a child process exits
// before systemd can tell which service sent the message. No libsystemd: the protocol is one
// sendto() of "KEY=VALUE\n..." to a path or an abstract socket ('@' prefix).

#include <errno.h>
#include <node_api.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define THROW(env, msg)                       \
  do {                                        \
    napi_throw_error((env), NULL, (msg));     \
    return NULL;                              \
  } while (0)

// notify(socketPath: string, message: string): sends one datagram; throws with errno's text.
static napi_value notify(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2) THROW(env, "notify(socketPath, message)");

  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  char path[sizeof addr.sun_path + 1];
  size_t pathLen = 0;
  if (napi_get_value_string_utf8(env, argv[0], path, sizeof path, &pathLen) != napi_ok) THROW(env, "socketPath must be a string");
  if (pathLen == 0 || pathLen >= sizeof addr.sun_path) THROW(env, "NOTIFY_SOCKET is empty or too long");
  if (path[0] != '/' && path[0] != '@') THROW(env, "NOTIFY_SOCKET must be an absolute path or start with @");
  memcpy(addr.sun_path, path, pathLen);
  // An abstract socket's name starts with a NUL byte and is not NUL-terminated.
  if (path[0] == '@') addr.sun_path[0] = '\0';
  socklen_t addrLen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + pathLen + (path[0] == '@' ? 0 : 1));

  char message[4096];
  size_t messageLen = 0;
  if (napi_get_value_string_utf8(env, argv[1], message, sizeof message, &messageLen) != napi_ok) THROW(env, "message must be a string");
  if (messageLen == sizeof message - 1) THROW(env, "message longer than 4095 bytes");

  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) THROW(env, strerror(errno));
  ssize_t sent = sendto(fd, message, messageLen, MSG_NOSIGNAL, (struct sockaddr *)&addr, addrLen);
  int err = errno;
  close(fd);
  if (sent < 0) THROW(env, strerror(err));
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  if (napi_create_function(env, "notify", NAPI_AUTO_LENGTH, notify, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "notify", fn) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
