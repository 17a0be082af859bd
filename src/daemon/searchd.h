/*
 * searchd.h: exit statuses of searchd, as documented in searchd(8).
 */
#ifndef SEARCHD_SEARCHD_H
#define SEARCHD_SEARCHD_H

#define SEARCHD_EXIT_OK		0
#define SEARCHD_EXIT_USAGE	64	/* EX_USAGE */
#define SEARCHD_EXIT_CORPUS	65	/* EX_DATAERR: a corpus line is bad */
#define SEARCHD_EXIT_OSERR	71	/* EX_OSERR: cannot listen */
#define SEARCHD_EXIT_CONFIG	78	/* EX_CONFIG: bad searchd.conf */

#endif
