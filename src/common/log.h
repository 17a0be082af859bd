/*
 * log.h: one logging style for the whole tree, after OpenBSD's log.c.
 * Lines go to stderr (systemd's journal adds the time stamp).  log_warn and
 * fatal append strerror(errno); the x variants do not.
 */
#ifndef SEARCHD_LOG_H
#define SEARCHD_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARNING,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

void	log_init(const char *progname, enum log_level);
void	log_set_level(enum log_level);
enum log_level log_get_level(void);
int	log_level_parse(const char *, enum log_level *);
const char *log_level_name(enum log_level);

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx_code(int, const char *, ...)
	    __attribute__((format(printf, 2, 3), noreturn));

#endif
