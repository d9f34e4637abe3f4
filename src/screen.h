/* A full-screen view for `top --watch`: fit text to the terminal (no line
 * wraps, no more lines than rows, so the header never scrolls away), and
 * the terminal's key mode, restored on every exit path. */
#ifndef OG_SCREEN_H
#define OG_SCREEN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <termios.h>

/* Write text (lines ending in '\n') to out, each line cut to cols columns
 * (a UTF-8 sequence counts as one column and is never split), at most rows
 * lines, each followed by "erase to end of line" when erase is set.  cols or
 * rows <= 0: no limit.  Pure.  Returns the number of lines written. */
size_t og_screen_fit(const char *text, size_t len, int cols, int rows, bool erase, FILE *out);

/* The size of the terminal on fd; 0 or -errno. */
int og_screen_size(int fd, int *cols, int *rows);

/* Keys one at a time without echo (ICANON and ECHO off; ISIG stays, so
 * Ctrl-C still signals).  Saves the old mode in *saved.  0 or -errno. */
int og_screen_keys_raw(int fd, struct termios *saved);
void og_screen_keys_restore(int fd, const struct termios *saved);

#endif
