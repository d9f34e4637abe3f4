#include "screen.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* Bytes of the first n columns of line (UTF-8 continuation bytes ride along). */
static size_t cut(const char *line, size_t len, int cols)
{
	size_t i = 0;
	int col = 0;

	if (cols <= 0)
		return len;
	while (i < len) {
		if (((unsigned char)line[i] & 0xc0) != 0x80) {
			if (col == cols)
				break;
			col++;
		}
		i++;
	}
	return i;
}

size_t og_screen_fit(const char *text, size_t len, int cols, int rows, bool erase, FILE *out)
{
	const char *p = text, *end = text + len;
	size_t n = 0;

	while (p < end && (rows <= 0 || n < (size_t)rows)) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll = (size_t)((nl ? nl : end) - p);
		fwrite(p, 1, cut(p, ll, cols), out);
		if (erase)
			fputs("\033[K", out);
		fputc('\n', out);
		n++;
		p = nl ? nl + 1 : end;
	}
	return n;
}

int og_screen_size(int fd, int *cols, int *rows)
{
	struct winsize ws;

	if (ioctl(fd, TIOCGWINSZ, &ws) < 0)
		return -errno;
	if (ws.ws_col == 0 || ws.ws_row == 0)
		return -ENOTTY;
	*cols = ws.ws_col;
	*rows = ws.ws_row;
	return 0;
}

int og_screen_keys_raw(int fd, struct termios *saved)
{
	struct termios t;

	if (tcgetattr(fd, saved) < 0)
		return -errno;
	t = *saved;
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	return tcsetattr(fd, TCSANOW, &t) < 0 ? -errno : 0;
}

void og_screen_keys_restore(int fd, const struct termios *saved)
{
	tcsetattr(fd, TCSANOW, saved);
}
