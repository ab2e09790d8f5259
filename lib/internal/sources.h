/* The files a run reads and the files it writes: the incident sources expanded into files, each read once
 * (sources.c); an output refused when it is one of the inputs (sources.c); a set of CSV files moved into
 * place all or none (write.c). Internal. */
#ifndef SM_INTERNAL_SOURCES_H
#define SM_INTERNAL_SOURCES_H

#include "internal/reader.h"

/* 1 for a GDAL connection string or virtual path ("PG:...", "/vsizip/..."): not a file of its own. */
int sm__source_is_connection(const char *s);
/* 1 when `path` ends with `ext` (any case) and has more before it. */
int sm__source_has_ext(const char *path, const char *ext);

/* Expands the sources as given (files, globs, directories, connection strings) into r->srcs, in order:
 * a glob's matches and a directory's .csv files (recursively) sorted by name. Every file is read once:
 * a file reached a second time (the same device and inode: given twice, a folder and a file inside it,
 * overlapping globs, a link to a file already given) is dropped, and all of them are named in one warning
 * on the ctx log. A symbolic link that leads back into a folder being walked (a loop) is not followed;
 * a warning names it. SM_E_IO: a source that cannot be opened, a glob without match, an empty folder. */
sm_status sm__sources_expand(sm_reader *r, const char *const *sources, size_t n);

/* SM_OK unless `path` is an existing file that is one of the inputs: a file given, a match of a glob given,
 * a .csv the reader would read in a folder given (compared by device and inode, so a link or another
 * spelling is caught too). Then SM_E_INVALID_ARG with a message naming the input. */
sm_status sm__output_not_input(sm_ctx *ctx, const char *path, const char *const *inputs, size_t n);

/* Writes n CSV files (one layer each, paths[0] the main table, the others its companions) all or none:
 * every file is written under a temporary name first; then the companions are moved into place and the
 * main file last; when a move fails, those already moved are put back as they were (the replaced files
 * restored). The paths must have passed sm_write_check(). */
sm_status sm__write_csv_set(sm_ctx *ctx, const char *const *paths, sm_layer *const *layers, size_t n,
                            const sm_write_options *opts);

/* Temporary files of the writes under way, in a fixed table read by sm_cleanup_temporary_files() (safe in
 * a signal handler). sm__temp_track registers `tmp` before it is created and returns its slot (-1 when the
 * table is full or the path too long: the write goes on, the file is then only removed on failure).
 * sm__temp_set_final: the file `tmp` will replace and the link keeping what it was (bak, or NULL when final
 * is new), for an undo. sm__temp_flags: undo (1: an interruption now puts final back as it was) and has_bak
 * (bak exists); -1 leaves one as it is. */
int sm__temp_track(const char *tmp);
int sm__temp_set_final(int slot, const char *final, const char *bak);
void sm__temp_flags(int slot, int undo, int has_bak);
void sm__temp_untrack(int slot);
/* Keeps what `from` is at `to`: a hard link, else a copy. 0 ok, else errno says why. */
int sm__temp_keep(const char *from, const char *to);
/* Unlinks tmp and what GDAL and SQLite make beside it (-journal, -wal, -shm, .aux.xml). */
void sm__temp_remove(const char *tmp);
/* Removes the temporary files in `dir` left by a process that no longer runs (".safemap-tmp-<pid>-...",
 * kill(pid, 0) fails with ESRCH), each named in a warning; an unfinished set of CSV files (its ".set" list)
 * is first put back as it was. */
void sm__temp_clear_stale(sm_ctx *ctx, const char *dir);

#endif
