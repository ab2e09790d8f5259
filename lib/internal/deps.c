/* Dependency set-up and error capture: GDAL error handler, GEOS handles. */
#include "sm_internal.h"

#include <cpl_error.h>
#include <cpl_conv.h>
#include <gdal.h>
#include <geos_c.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_once_t gdal_once = PTHREAD_ONCE_INIT;

/* GDAL's messages during the library's calls go to the ctx (sm__gdal_begin); GDAL's global settings are
 * the host program's (CPL_LOG names a log file: setting it to "OFF" wrote a file called OFF). */
static void gdal_init_once(void) { GDALAllRegister(); }

void sm__gdal_init(void) { pthread_once(&gdal_once, gdal_init_once); }

static void CPL_STDCALL gdal_handler(CPLErr level, CPLErrorNum num, const char *msg) {
  sm_ctx *ctx = CPLGetErrorHandlerUserData();
  if (!ctx || !msg) return;
  if (level >= CE_Failure) {
    snprintf(ctx->dep_error, sizeof ctx->dep_error, "GDAL: %s", msg);
    /* libpq and others end messages with a newline */
    size_t n = strlen(ctx->dep_error);
    while (n && (ctx->dep_error[n - 1] == '\n' || ctx->dep_error[n - 1] == '\r' || ctx->dep_error[n - 1] == ' '))
      ctx->dep_error[--n] = '\0';
  } else if (level == CE_Warning) {
    sm__log(ctx, SM_LOG_DEBUG, "GDAL warning: %s", msg);
  }
  (void)num;
}

void sm__gdal_begin(sm_ctx *ctx) {
  sm__gdal_init();
  ctx->dep_error[0] = '\0';
  CPLPushErrorHandlerEx(gdal_handler, ctx);
}

void sm__gdal_end(sm_ctx *ctx) {
  (void)ctx;
  CPLPopErrorHandler();
}

const char *sm__dep_msg(const sm_ctx *ctx) { return ctx->dep_error; }
void sm__dep_clear(sm_ctx *ctx) { ctx->dep_error[0] = '\0'; }

/* ---- GEOS ------------------------------------------------------------------ */
static void geos_msg(const char *msg, void *user) {
  sm_geos *g = user;
  if (g && msg) snprintf(g->msg, sizeof g->msg, "%s", msg);
}

sm_status sm__geos_init(sm_ctx *ctx, sm_geos *g) {
  g->msg[0] = '\0';
  GEOSContextHandle_t h = GEOS_init_r();
  if (!h) return sm__error(ctx, SM_E_DEPENDENCY, "GEOS: cannot create a context");
  GEOSContext_setErrorMessageHandler_r(h, geos_msg, g);
  GEOSContext_setNoticeMessageHandler_r(h, NULL, NULL);
  g->handle = h;
  return SM_OK;
}

void sm__geos_finish(sm_geos *g) {
  if (g && g->handle) GEOS_finish_r((GEOSContextHandle_t)g->handle);
  if (g) g->handle = NULL;
}
