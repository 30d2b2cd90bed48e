#include <stdarg.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <microhttpd.h>

// MHD_start_daemon and MHD_get_daemon_info are variadic, which Swift does not import. These wrappers pass the
// flags and options tagcache uses: a thread pool with epoll, suspend/resume for requests answered asynchronously.
static inline struct MHD_Daemon *tc_mhd_start(const struct sockaddr *address,
                                              int ipv6,
                                              unsigned int thread_pool_size,
                                              unsigned int connection_timeout_seconds,
                                              MHD_AccessHandlerCallback handler,
                                              void *handler_context,
                                              MHD_RequestCompletedCallback completed,
                                              void *completed_context) {
    unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME
        | MHD_USE_ERROR_LOG;
    if (ipv6) {
        flags |= MHD_USE_IPv6;
    }
    return MHD_start_daemon(flags, 0, NULL, NULL, handler, handler_context,
                            MHD_OPTION_SOCK_ADDR, address,
                            MHD_OPTION_THREAD_POOL_SIZE, thread_pool_size,
                            MHD_OPTION_CONNECTION_TIMEOUT, connection_timeout_seconds,
                            MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int) 1024,
                            MHD_OPTION_NOTIFY_COMPLETED, completed, completed_context,
                            MHD_OPTION_END);
}

static inline uint16_t tc_mhd_bound_port(struct MHD_Daemon *daemon) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info == NULL ? 0 : info->port;
}
