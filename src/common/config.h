/*
 * config.h: searchd.conf, "key value" lines with # comments.
 *
 * A struct config is plain data owned by whoever loaded it and released
 * with config_free; the daemon keeps one, and swaps in a new one on SIGHUP.
 */
#ifndef SEARCHD_CONFIG_H
#define SEARCHD_CONFIG_H

#include <stddef.h>

#include "addr.h"
#include "log.h"

#define CONFIG_DEFAULT_PATH	SYSCONFDIR "/searchd.conf"

/* Defaults, each with its reason. */
/* Plenty for one machine, below the 20000 descriptors a unit gives us. */
#define CONFIG_MAX_CONNECTIONS		10000
/* Far above any query; small enough that a peer cannot make us buffer much. */
#define CONFIG_MAX_MESSAGE_SIZE		(1024 * 1024)
/* Idle keep-alive connections are cheap, but not free forever. */
#define CONFIG_CLIENT_TIMEOUT		60
/* A message that takes longer than this to arrive is a slowloris. */
#define CONFIG_READ_TIMEOUT		10

/* Where the index lives; systemd's StateDirectory=searchd makes it. */
#define CONFIG_DATA_DIR			LOCALSTATEDIR "/lib/searchd"
/* Small segments flushed to a file past this: bounds a restart's replay. */
#define CONFIG_WRITE_BUFFER		(64 * 1024 * 1024)

#define CONFIG_MAX_WORKERS		256
#define CONFIG_WRITE_BUFFER_MIN		(64 * 1024)
#define CONFIG_WRITE_BUFFER_LIMIT	(16ULL * 1024 * 1024 * 1024)
#define CONFIG_MAX_CONNECTIONS_LIMIT	1000000
#define CONFIG_MAX_MESSAGE_SIZE_LIMIT	(64 * 1024 * 1024)
#define CONFIG_TIMEOUT_LIMIT		86400

struct config_listen {
	struct addr	addr;
	char		spec[300];	/* as written, for messages */
	int		line;
	int		tls;
};

enum config_sync {
	CONFIG_SYNC_ALWAYS,		/* fsync before each answer (grouped) */
	CONFIG_SYNC_EVERYSEC,		/* fsync once a second */
	CONFIG_SYNC_NO,			/* leave it to the kernel */
};

struct config {
	char			*path;
	struct config_listen	*listens;
	size_t			 nlistens;
	int			 workers;	/* 0: one per CPU */
	char			**corpus;
	size_t			 ncorpus;
	unsigned		 max_connections;
	size_t			 max_message_size;
	unsigned		 client_timeout;	/* seconds, 0 = never */
	unsigned		 read_timeout;		/* seconds */
	enum log_level		 log_level;
	char			*tls_certificate;	/* PEM paths, or NULL */
	char			*tls_key;
	char			*tls_client_ca;
	char			*data_dir;		/* NULL: the default */
	int			 in_memory;		/* data_dir none */
	enum config_sync	 sync;
	size_t			 write_buffer;
	struct addr_prefix	*write_allow;		/* besides local peers */
	size_t			 nwrite_allow;
	/* The Snowball stemmer of every field (stem.h), NULL: none. */
	const char		*language;
	struct config_attribute	*attributes;		/* in file order */
	size_t			 nattributes;
	struct config_field	*fields;		/* in file order */
	size_t			 nfields;
};

#define CONFIG_ATTRIBUTES_MAX	64
#define CONFIG_NAME_MAX		64	/* bytes of an attribute's name */

enum config_attr_type {
	CONFIG_ATTR_STRING,
	CONFIG_ATTR_INT,
	CONFIG_ATTR_FLOAT,
};

/* "attribute NAME TYPE [multi]": a document key searches can filter on. */
struct config_attribute {
	char			*name;
	enum config_attr_type	 type;
	int			 multi;
	int			 line;
};

#define CONFIG_FIELDS_MAX	16
#define CONFIG_FIELD_WEIGHT_MAX	1000

/* "field NAME [weight W] [b B]": a document key searched as text. */
struct config_field {
	char			*name;
	double			 weight;	/* (0, CONFIG_FIELD_WEIGHT_MAX] */
	double			 b;		/* [0, 1] */
	int			 line;
};

void	config_init(struct config *);
void	config_free(struct config *);
/*
 * Parses text as the file path.  Returns 0, or -1 with "PATH:LINE: reason"
 * in err; on error *cf is left as config_init made it.
 */
int	config_parse(struct config *, const char *path, const char *text,
	    size_t len, char *err, size_t errlen);
/* Reads and parses path; -1 with "PATH: strerror" if it cannot be read. */
int	config_load(struct config *, const char *path, char *err,
	    size_t errlen);
/* The default listen address when none is configured. */
void	config_finish(struct config *);
/* Where the index lives, or NULL when it is kept in memory only. */
const char *config_data_dir(const struct config *);
/* searchd -D: a data_dir (any path, or "none") over the file's. */
void	config_set_data_dir_arg(struct config *, const char *);
/* Replaces dst's attributes and fields by copies of src's. */
void	config_copy_schema(struct config *, const struct config *);
/* Whether a and b declare the same attributes and fields alike. */
int	config_same_schema(const struct config *, const struct config *);
/* True if any listener speaks TLS. */
int	config_has_tls(const struct config *);
/* The names of every key, NULL-terminated (for the documentation test). */
extern const char *const config_keys[];

#endif
