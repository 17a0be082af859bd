/*
 * notify.h: tells the service manager how we are doing, with the sd_notify
 * datagram protocol spoken directly (one datagram to $NOTIFY_SOCKET), so
 * searchd needs no libsystemd.  Without NOTIFY_SOCKET it does nothing.
 */
#ifndef SEARCHD_NOTIFY_H
#define SEARCHD_NOTIFY_H

/* Takes NOTIFY_SOCKET from the environment (children do not inherit it). */
void	notify_init(void);
void	notify_ready(const char *status);
void	notify_reloading(void);
void	notify_stopping(void);
void	notify_close(void);

#endif
