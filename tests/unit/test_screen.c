/* og_screen_fit: top --watch's frame never wraps and never scrolls. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "screen.h"

static char *fit(const char *text, int cols, int rows, bool erase, size_t *lines)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	*lines = og_screen_fit(text, strlen(text), cols, rows, erase, f);
	fclose(f);
	return buf;
}

static void cuts_lines_to_columns(void **state)
{
	size_t n;
	(void)state;
	char *o = fit("0123456789\nab\n", 4, 0, false, &n);
	assert_string_equal(o, "0123\nab\n");
	assert_int_equal(n, 2);
	free(o);
	o = fit("abc", 0, 0, false, &n); /* no limit; a last line without '\n' gets one */
	assert_string_equal(o, "abc\n");
	free(o);
}

static void utf8_counts_one_column_and_is_never_split(void **state)
{
	size_t n;
	(void)state;
	/* "é" is two bytes, one column. */
	char *o = fit("\xc3\xa9\xc3\xa9\xc3\xa9x\n", 2, 0, false, &n);
	assert_string_equal(o, "\xc3\xa9\xc3\xa9\n");
	free(o);
}

static void at_most_rows_lines_from_the_top(void **state)
{
	size_t n;
	(void)state;
	char *o = fit("head\nrow1\nrow2\nrow3\n", 0, 2, false, &n);
	assert_string_equal(o, "head\nrow1\n");
	assert_int_equal(n, 2);
	free(o);
	o = fit("a\nb\n", 10, 5, true, &n);
	assert_string_equal(o, "a\033[K\nb\033[K\n");
	free(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cuts_lines_to_columns),
		cmocka_unit_test(utf8_counts_one_column_and_is_never_split),
		cmocka_unit_test(at_most_rows_lines_from_the_top),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
