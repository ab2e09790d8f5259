/* IES LM-63 photometric files for the safety audit's lighting model (audit_ies.c; docs/photometry.md): a
 * reader of type C files (LM-63-1986, -1991, -1995, -2002, -2019; TILT=NONE only) and the intensity and
 * horizontal illuminance of the luminaire it describes. Internal. */
#ifndef SM_INTERNAL_AUDIT_IES_H
#define SM_INTERNAL_AUDIT_IES_H
#include "safemap.h"

#include <stddef.h>

typedef struct sm__ies {
  double lamp_lumens; /* #lamps × lumens per lamp; NaN for absolute photometry (-1) */
  double multiplier;  /* candela multiplier × ballast factor (applied to cd already) */
  size_t n_v, n_h;
  double *v, *h;      /* degrees, increasing: v from 0 (or 90) to at most 180; h as the file gives them, one of
                         LM-63's symmetry forms: {a} rotationally symmetric, 0–90 quadrant, 0–180 bilateral
                         (about the 0–180 plane), 90–270 (LM-63-1995: about the 90–270 plane), 0–360 (none;
                         a last angle short of 360 wraps to 0) */
  double *cd;         /* n_h × n_v candela (multiplier applied): cd[i * n_v + j] at h[i], v[j] */
  double flux;        /* luminous flux integrated from the table (zonal-lumen method over the sphere, exact for
                         the bilinear interpolation sm__ies_intensity() makes) */
  double input_watts;
  char *path;
  /* beyond the audit model's needs, kept for the recipe */
  char version[24];   /* "LM-63-2002", "LM-63-1995", "LM-63-1991", "LM-63-2019" or "LM-63-1986" (no version line) */
  int units;          /* 1 feet, 2 metres (the luminous opening's) */
  double opening_m[3]; /* width, length, height of the luminous opening in metres (negative: round, LM-63) */
  double downward_flux; /* of flux, the lumens below the horizontal (gamma < 90) */
} sm__ies;

/* Reads a type C IES LM-63 file into *out (zeroed first; free with sm__ies_free(); after a failure nothing is left allocated and *out is zeroed).
 * @return SM_OK; SM_E_IO (cannot open or read); SM_E_INPUT with "FILE: line N: ..." (not an IES file, TILT other
 *   than NONE, a number that is not one, a truncated number block, a header value out of range, photometric type
 *   B or A, angles not increasing, vertical angles not starting at 0 or 90, horizontal angles not one of the
 *   symmetry forms, negative candela); SM_E_NOMEM. */
sm_status sm__ies_read(sm_ctx *ctx, const char *path, sm__ies *out);
void sm__ies_free(sm__ies *ies);

/* Intensity in cd at vertical angle gamma (0 = straight down) and horizontal angle c (degrees), with the
 * file's symmetry expanded (h = {0}: rotationally symmetric; 0–90: quadrant; 0–180: bilateral; 0–360) and
 * bilinear interpolation; 0 beyond the last vertical angle (and before the first). Any c; gamma outside
 * 0..180 is folded through the pole (gamma -10 at c = azimuth 10 at c + 180). */
double sm__ies_intensity(const sm__ies *ies, double gamma_deg, double c_deg);

/* The intensity averaged over C (the lantern's orientation along the street is unknown), as a table
 * against gamma for fast use: n = 181 samples every 0.5 degree from 0 to 90 (upward light never reaches the
 * ground). The mean is exact for the interpolation in C (the trapezium rule over the expanded horizontal
 * angles). *cd_out is allocated: free with sm__free(). @return SM_OK, SM_E_INVALID_ARG (NULL), SM_E_NOMEM. */
sm_status sm__ies_mean_profile(sm_ctx *ctx, const sm__ies *ies, double **cd_out, size_t *n_out);
#define SM__IES_PROFILE_STEP_DEG 0.5

/* Horizontal illuminance (lux) at horizontal distance r from a luminaire mounted h above the ground, from
 * the mean profile (n samples evenly from 0 to 90 degrees, linear between them), scaled by `scale` (the
 * lamp's flux × maintenance factor / the file's lamp_lumens; the maintenance factor alone for absolute
 * photometry): E = I(γ) × scale × cos γ / (h² + r²), γ = atan(r / h). 0 when h <= 0 or γ >= 90. */
double sm__ies_illuminance(const double *profile, size_t n, double scale, double h_m, double r_m);

#endif
