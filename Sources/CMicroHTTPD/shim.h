#include <stdarg.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <microhttpd.h>

// MHD_start_daemon is variadic, which Swift does not import. This wrapper passes the options tagcache uses.
static inline struct MHD_Daemon *tc_mhd_start(unsigned int flags,
                                              const struct sockaddr *address,
                                              unsigned int thread_pool_size,
                                              unsigned int connection_timeout_seconds,
                                              MHD_AccessHandlerCallback handler,
                                              void *handler_context,
                                              MHD_RequestCompletedCallback completed,
                                              void *completed_context) {
    return MHD_start_daemon(flags, 0, NULL, NULL, handler, handler_context,
                            MHD_OPTION_SOCK_ADDR, address,
                            MHD_OPTION_THREAD_POOL_SIZE, thread_pool_size,
                            MHD_OPTION_CONNECTION_TIMEOUT, connection_timeout_seconds,
                            MHD_OPTION_NOTIFY_COMPLETED, completed, completed_context,
                            MHD_OPTION_END);
}
