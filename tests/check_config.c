/* Unit tests of the configuration parser: src/common/config.c. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "check_run.h"
#include "stem.h"

static char err[1024];

static int
parse(struct config *cf, const char *text)
{
	err[0] = '\0';
	return config_parse(cf, "test.conf", text, strlen(text), err,
	    sizeof(err));
}

START_TEST(test_defaults)
{
	struct config cf;

	ck_assert_int_eq(parse(&cf, ""), 0);
	ck_assert_uint_eq(cf.nlistens, 0);
	ck_assert_int_eq(cf.workers, 0);
	ck_assert_uint_eq(cf.ncorpus, 0);
	ck_assert_uint_eq(cf.max_connections, 10000);
	ck_assert_uint_eq(cf.max_message_size, 1024 * 1024);
	ck_assert_uint_eq(cf.client_timeout, 60);
	ck_assert_uint_eq(cf.read_timeout, 10);
	ck_assert_int_eq(cf.log_level, LOG_LEVEL_INFO);
	config_finish(&cf);
	ck_assert_uint_eq(cf.nlistens, 1);
	ck_assert_str_eq(cf.listens[0].addr.host, "127.0.0.1");
	ck_assert_str_eq(cf.listens[0].addr.port, "65432");
	config_free(&cf);
}
END_TEST

START_TEST(test_every_key)
{
	struct config cf;

	ck_assert_int_eq(parse(&cf,
	    "# a comment\n"
	    "\n"
	    "listen 127.0.0.1:0\n"
	    "listen [::1]:65432   # trailing comment\n"
	    "listen /run/searchd/searchd.sock\n"
	    "\tworkers 3\n"
	    "corpus /srv/a.jsonl\n"
	    "corpus /srv/b c.jsonl\n"
	    "max_connections 50\r\n"
	    "max_message_size 2M\n"
	    "client_timeout 2m\n"
	    "read_timeout 5s\n"
	    "log_level debug\n"), 0);
	ck_assert_uint_eq(cf.nlistens, 3);
	ck_assert_str_eq(cf.listens[0].addr.port, "0");
	ck_assert_str_eq(cf.listens[1].addr.host, "::1");
	ck_assert_int_eq(cf.listens[1].line, 4);
	ck_assert_int_eq(cf.listens[2].addr.is_unix, 1);
	ck_assert_str_eq(cf.listens[2].addr.path, "/run/searchd/searchd.sock");
	ck_assert_int_eq(cf.workers, 3);
	ck_assert_uint_eq(cf.ncorpus, 2);
	ck_assert_str_eq(cf.corpus[1], "/srv/b c.jsonl");
	ck_assert_uint_eq(cf.max_connections, 50);
	ck_assert_uint_eq(cf.max_message_size, 2 * 1024 * 1024);
	ck_assert_uint_eq(cf.client_timeout, 120);
	ck_assert_uint_eq(cf.read_timeout, 5);
	ck_assert_int_eq(cf.log_level, LOG_LEVEL_DEBUG);
	ck_assert_str_eq(cf.path, "test.conf");
	config_free(&cf);
}
END_TEST

START_TEST(test_tls)
{
	struct config cf;

	ck_assert_int_eq(parse(&cf, "listen 127.0.0.1:1\n"
	    "listen [::1]:2   tls\n"
	    "tls_certificate /etc/searchd/cert.pem\n"
	    "tls_key /etc/searchd/key.pem\n"
	    "tls_client_ca /etc/searchd/ca.pem\n"), 0);
	ck_assert_int_eq(cf.listens[0].tls, 0);
	ck_assert_int_eq(cf.listens[1].tls, 1);
	ck_assert_str_eq(cf.listens[1].spec, "[::1]:2");
	ck_assert_str_eq(cf.listens[1].addr.host, "::1");
	ck_assert_int_eq(config_has_tls(&cf), 1);
	ck_assert_str_eq(cf.tls_certificate, "/etc/searchd/cert.pem");
	ck_assert_str_eq(cf.tls_key, "/etc/searchd/key.pem");
	ck_assert_str_eq(cf.tls_client_ca, "/etc/searchd/ca.pem");
	config_free(&cf);
}
END_TEST

START_TEST(test_plain_values)
{
	struct config cf;

	ck_assert_int_eq(parse(&cf, "workers auto\nmax_message_size 4096\n"
	    "client_timeout 0\nlog_level warning\n"), 0);
	ck_assert_int_eq(cf.workers, 0);
	ck_assert_uint_eq(cf.max_message_size, 4096);
	ck_assert_uint_eq(cf.client_timeout, 0);
	ck_assert_int_eq(cf.log_level, LOG_LEVEL_WARNING);
	ck_assert_ptr_null(cf.language);
	config_free(&cf);
	ck_assert_int_eq(parse(&cf, "language french\n"), 0);
	ck_assert_str_eq(cf.language, "french");
	/* The one name of the language, whatever string it was read from. */
	ck_assert_ptr_eq(cf.language, stem_language("french"));
	config_free(&cf);
	ck_assert_int_eq(parse(&cf, "language english\nlanguage none\n"), -1);
	ck_assert_str_eq(err, "test.conf:2: language: given twice");
}
END_TEST

START_TEST(test_fields)
{
	struct config cf, copy;

	ck_assert_int_eq(parse(&cf, "field title weight 3\nfield text\n"
	    "field summary b 0.3 weight 0.5\n"), 0);
	ck_assert_uint_eq(cf.nfields, 3);
	ck_assert_str_eq(cf.fields[0].name, "title");
	ck_assert_double_eq(cf.fields[0].weight, 3);
	ck_assert_double_eq(cf.fields[0].b, 0.75);
	ck_assert_double_eq(cf.fields[1].weight, 1);
	ck_assert_double_eq(cf.fields[2].weight, 0.5);
	ck_assert_double_eq(cf.fields[2].b, 0.3);
	ck_assert_int_eq(cf.fields[2].line, 3);
	config_init(&copy);
	config_copy_schema(&copy, &cf);
	ck_assert(config_same_schema(&copy, &cf));
	copy.fields[0].weight = 2;
	ck_assert(!config_same_schema(&copy, &cf));
	config_free(&copy);
	config_free(&cf);
	ck_assert_int_eq(parse(&cf, "field title b nan\n"), -1);
	ck_assert_str_eq(err, "test.conf:1: field title: b: \"nan\" is not "
	    "a number");
	ck_assert_int_eq(parse(&cf, "field title weight 1e9\n"), -1);
	ck_assert_str_eq(err, "test.conf:1: field title: weight 1e9 is not "
	    "above 0 and at most 1000");
}
END_TEST

START_TEST(test_attributes)
{
	struct config cf;
	char text[4096];
	size_t i, n = 0;

	ck_assert_int_eq(parse(&cf, "attribute lang string\n"
	    "attribute year int\nattribute price float\n"
	    "attribute tags string multi\n"), 0);
	ck_assert_uint_eq(cf.nattributes, 4);
	ck_assert_str_eq(cf.attributes[0].name, "lang");
	ck_assert_int_eq(cf.attributes[0].type, CONFIG_ATTR_STRING);
	ck_assert_int_eq(cf.attributes[1].type, CONFIG_ATTR_INT);
	ck_assert_int_eq(cf.attributes[2].type, CONFIG_ATTR_FLOAT);
	ck_assert_int_eq(cf.attributes[3].multi, 1);
	ck_assert_int_eq(cf.attributes[0].multi, 0);
	ck_assert_int_eq(cf.attributes[3].line, 4);
	config_free(&cf);
	for (i = 0; i <= CONFIG_ATTRIBUTES_MAX; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
		    "attribute a%zu int\n", i);
	ck_assert_int_eq(parse(&cf, text), -1);
	ck_assert_str_eq(err, "test.conf:65: attribute: at most 64");
}
END_TEST

START_TEST(test_language_unknown)
{
	struct config cf;
	char want[1024];

	ck_assert_int_eq(parse(&cf, "\nlanguage klingon\n"), -1);
	snprintf(want, sizeof(want), "test.conf:2: language: \"klingon\" is "
	    "not none or one of %s", stem_language_list());
	ck_assert_str_eq(err, want);
	ck_assert_msg(strstr(err, "english, ") != NULL, "%s", err);
	ck_assert_int_eq(parse(&cf, "language English\n"), -1);
}
END_TEST

/* Each error, with the exact message a user sees (FILE:LINE: reason). */
static const struct {
	const char	*text;
	const char	*message;
} errors[] = {
	{ "bogus 1\n", "test.conf:1: unknown key \"bogus\"" },
	{ "\n\n# c\nworkers\n", "test.conf:4: workers: missing value" },
	{ "workers 0\n", "test.conf:1: workers: 0 is out of range (1 to 256)" },
	{ "workers 257\n",
	    "test.conf:1: workers: 257 is out of range (1 to 256)" },
	{ "workers two\n", "test.conf:1: workers: \"two\" is not a number" },
	{ "workers 2\nworkers 3\n", "test.conf:2: workers: given twice" },
	{ "max_connections -1\n",
	    "test.conf:1: max_connections: \"-1\" is not a number" },
	{ "max_connections 0\n", "test.conf:1: max_connections: 0 is out of "
	    "range (1 to 1000000)" },
	{ "max_message_size 1G\n", "test.conf:1: max_message_size: bad value "
	    "\"1G\"; units are KM" },
	{ "max_message_size 65M\n", "test.conf:1: max_message_size: 65M is "
	    "out of range (16 to 67108864)" },
	{ "max_message_size 99999999999999999999\n", "test.conf:1: "
	    "max_message_size: 99999999999999999999 is out of range "
	    "(16 to 67108864)" },
	{ "client_timeout 10x\n", "test.conf:1: client_timeout: bad value "
	    "\"10x\"; units are smh" },
	{ "read_timeout 0\n",
	    "test.conf:1: read_timeout: 0 is out of range (1 to 86400)" },
	{ "read_timeout 25h\n",
	    "test.conf:1: read_timeout: 25h is out of range (1 to 86400)" },
	{ "log_level loud\n", "test.conf:1: log_level: \"loud\" is not one "
	    "of error, warning, info, debug" },
	{ "listen 65432\n", "test.conf:1: listen: bad address \"65432\" "
	    "(expected HOST:PORT, [IPV6]:PORT or an absolute socket path)" },
	{ "listen 127.0.0.1:99999\n",
	    "test.conf:1: listen: bad port \"99999\" (0 to 65535)" },
	{ "listen [::1\n", "test.conf:1: listen: bad address \"[::1\" "
	    "(expected [IPV6]:PORT)" },
	{ "listen :80\n", "test.conf:1: listen: bad address \":80\" "
	    "(missing host; use * for every address)" },
	{ "listen ::1:80\n", "test.conf:1: listen: bad address \"::1:80\" "
	    "(expected HOST:PORT, [IPV6]:PORT or an absolute socket path)" },
	{ "listen 127.0.0.1:1 ssl\n",
	    "test.conf:1: listen: unknown option \"ssl\" (only tls)" },
	{ "\nlisten 127.0.0.1:1 tls\n", "test.conf:2: listen 127.0.0.1:1 tls "
	    "needs tls_certificate and tls_key" },
	{ "tls_key /k\nlisten 127.0.0.1:1 tls\n", "test.conf:2: listen "
	    "127.0.0.1:1 tls needs tls_certificate and tls_key" },
	{ "tls_certificate /c\n",
	    "test.conf: tls_certificate and tls_key go together" },
	{ "tls_certificate cert.pem\n",
	    "test.conf:1: \"cert.pem\" is not an absolute path" },
	{ "tls_key /a\ntls_key /b\n", "test.conf:2: tls_key: given twice" },
	{ "attribute year\n", "test.conf:1: attribute: expected NAME TYPE "
	    "[multi], TYPE string, int or float" },
	{ "attribute tags string many\n", "test.conf:1: attribute: expected "
	    "NAME TYPE [multi], TYPE string, int or float" },
	{ "attribute a int multi x\n", "test.conf:1: attribute: expected "
	    "NAME TYPE [multi], TYPE string, int or float" },
	{ "attribute year date\n", "test.conf:1: attribute year: type "
	    "\"date\" is not string, int or float" },
	{ "attribute 1st int\n", "test.conf:1: attribute: \"1st\" is not a "
	    "name (letters, digits and _, not first a digit, at most 64 "
	    "bytes)" },
	{ "attribute a-b int\n", "test.conf:1: attribute: \"a-b\" is not a "
	    "name (letters, digits and _, not first a digit, at most 64 "
	    "bytes)" },
	{ "attribute title string\n",
	    "test.conf:1: attribute: \"title\" is reserved" },
	{ "attribute OR int\n", "test.conf:1: attribute: \"OR\" is reserved" },
	{ "attribute y int\n\nattribute y float\n",
	    "test.conf:3: attribute y: declared already at line 1" },
};

START_TEST(test_errors)
{
	struct config cf;

	ck_assert_int_eq(parse(&cf, errors[_i].text), -1);
	ck_assert_str_eq(err, errors[_i].message);
	ck_assert_uint_eq(cf.nlistens, 0);
	ck_assert_ptr_null(cf.path);
}
END_TEST

START_TEST(test_nul_byte)
{
	struct config cf;
	static const char text[] = "workers 2\nlisten 1\0x\n";

	ck_assert_int_eq(config_parse(&cf, "t", text, sizeof(text) - 1, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "t:2: NUL byte in line");
}
END_TEST

START_TEST(test_load_file)
{
	struct config cf;
	char path[64];

	check_write_temp(path, sizeof(path), "workers 2\nread_timeout 1h\n",
	    26);
	ck_assert_int_eq(config_load(&cf, path, err, sizeof(err)), 0);
	ck_assert_int_eq(cf.workers, 2);
	ck_assert_uint_eq(cf.read_timeout, 3600);
	config_free(&cf);
	unlink(path);
	ck_assert_int_eq(config_load(&cf, path, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "No such file or directory") != NULL, "%s",
	    err);
	ck_assert_int_eq(config_load(&cf, "/", err, sizeof(err)), -1);
	ck_assert_str_eq(err, "/: not a regular file of at most 1 MiB");
}
END_TEST

START_TEST(test_keys_table)
{
	static const char *const want[] = { "attribute", "client_timeout",
	    "corpus",
	    "data_dir", "field", "language", "listen", "log_level",
	    "max_connections",
	    "max_message_size", "read_timeout", "sync", "tls_certificate",
	    "tls_client_ca", "tls_key", "workers", "write_allow",
	    "write_buffer" };
	struct config cf;
	char line[128];
	size_t i;

	for (i = 0; config_keys[i] != NULL; i++) {
		ck_assert_uint_lt(i, sizeof(want) / sizeof(want[0]));
		ck_assert_str_eq(config_keys[i], want[i]);
		/* Every listed key is one the parser knows. */
		snprintf(line, sizeof(line), "%s", config_keys[i]);
		ck_assert_int_eq(parse(&cf, line), -1);
		ck_assert_msg(strstr(err, "missing value") != NULL, "%s", err);
	}
	ck_assert_uint_eq(i, sizeof(want) / sizeof(want[0]));
}
END_TEST

static Suite *
config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = check_tcase("parse");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_every_key);
	tcase_add_test(tc, test_plain_values);
	tcase_add_test(tc, test_tls);
	tcase_add_loop_test(tc, test_errors, 0,
	    sizeof(errors) / sizeof(errors[0]));
	tcase_add_test(tc, test_nul_byte);
	tcase_add_test(tc, test_load_file);
	tcase_add_test(tc, test_keys_table);
	tcase_add_test(tc, test_language_unknown);
	tcase_add_test(tc, test_attributes);
	tcase_add_test(tc, test_fields);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(config_suite());
}
