/* The plans' pages as PDF through headless Chromium (sm_plan_write() with opts->pdf): each DIR/NAME.html printed
 * to DIR/NAME.pdf on A4 by the page's own print style. The browser is a program the library starts and waits
 * for; its output is discarded. */
#define _GNU_SOURCE
#include "internal/plan.h"
#include "internal/sm_internal.h"
#include "internal/tiles_files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* The browser: $SAFEMAP_CHROMIUM, else chromium, chromium-browser or google-chrome on the PATH; NULL when none. */
char *sm__chromium_path(void) {
  const char *env = getenv("SAFEMAP_CHROMIUM");
  if (env && *env) return access(env, X_OK) == 0 ? sm__strdup(env) : NULL;
  const char *path = getenv("PATH");
  static const char *const NAMES[] = {"chromium", "chromium-browser", "google-chrome"};
  for (size_t k = 0; path && k < sizeof NAMES / sizeof *NAMES; k++) {
    const char *p = path;
    while (*p) {
      size_t len = strcspn(p, ":");
      char *c = sm__asprintf("%.*s/%s", (int)len, p, NAMES[k]);
      if (c && access(c, X_OK) == 0) return c;
      sm__free(c);
      p += len;
      if (*p == ':') p++;
    }
  }
  return NULL;
}

/* Prints one page; 0, or an errno-like code (EIO: the browser failed). */
static int print_page(const char *chromium, const char *profile, const char *html, const char *pdf) {
  char *url = sm__asprintf("file://%s", html), *out = sm__asprintf("--print-to-pdf=%s", pdf),
       *prof = sm__asprintf("--user-data-dir=%s", profile);
  if (!url || !out || !prof) {
    sm__free(url), sm__free(out), sm__free(prof);
    return ENOMEM;
  }
  char *argv[] = {(char *)chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--no-pdf-header-footer", "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>", prof,
                  out, url, NULL};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid;
  int rc = posix_spawn(&pid, chromium, &fa, NULL, argv, environ), status = 0;
  posix_spawn_file_actions_destroy(&fa);
  if (rc == 0) {
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    struct stat sb;
    rc = WIFEXITED(status) && WEXITSTATUS(status) == 0 && stat(pdf, &sb) == 0 && sb.st_size > 4 ? 0 : EIO;
  }
  sm__free(url), sm__free(out), sm__free(prof);
  return rc;
}

sm_status sm__plan_write_pdf(sm_ctx *ctx, const char *dir) {
  char *chromium = sm__chromium_path();
  if (!chromium)
    return sm__error(ctx, SM_E_UNSUPPORTED,
                     "PDF needs Chromium, which is not installed (apt-get install chromium, or set SAFEMAP_CHROMIUM "
                     "to a Chromium or Chrome program)");
  char abs[PATH_MAX];
  sm_status st = realpath(dir, abs) ? SM_OK : sm__error(ctx, SM_E_IO, "cannot find the folder '%s': %s", dir, strerror(errno));
  char *profile = st ? NULL : sm__asprintf("%s/.chromium-profile", abs);
  if (!st && !profile) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  DIR *d = st ? NULL : opendir(abs);
  if (!st && !d) st = sm__error(ctx, SM_E_IO, "cannot read the folder '%s': %s", dir, strerror(errno));
  struct dirent *e;
  size_t done = 0;
  while (!st && (e = readdir(d))) {
    size_t len = strlen(e->d_name);
    if (len < 6 || strcmp(e->d_name + len - 5, ".html")) continue;
    char *html = sm__asprintf("%s/%s", abs, e->d_name), *pdf = sm__asprintf("%s/%.*s.pdf", abs, (int)(len - 5), e->d_name);
    int rc = html && pdf ? print_page(chromium, profile, html, pdf) : ENOMEM;
    if (rc == ENOMEM) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
    else if (rc) st = sm__error(ctx, SM_E_DEPENDENCY, "Chromium (%s) could not print '%s' to PDF", chromium, e->d_name);
    sm__free(html), sm__free(pdf);
    if (!st) st = sm__progress(ctx, 0.5, "printing the plans to PDF");
    done++;
  }
  if (d) closedir(d);
  if (profile) sm__tiles_rm_tree(profile);
  sm__free(profile), sm__free(chromium);
  (void)done;
  return st;
}
