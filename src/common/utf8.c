/* utf8.c: see utf8.h. */

#include "utf8.h"

size_t
utf8_clip(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	/* Continuation bytes are 10xxxxxx: back off to a lead byte. */
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}
