/*
 * print_config_keys: prints every key the configuration parser knows, one
 * per line, so tests/test_deploy_man.py can compare them with searchd.conf(5)
 * and etc/searchd.conf.
 */
#include <stdio.h>

#include "config.h"

int
main(void)
{
	size_t i;

	for (i = 0; config_keys[i] != NULL; i++)
		if (puts(config_keys[i]) == EOF)
			return 1;
	return fflush(stdout) == EOF ? 1 : 0;
}
