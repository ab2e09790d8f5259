/*
 * gen_incidents — synthetic crime incidents in police.uk street-level CSV
 * format, for the safemap benchmarks (tests/bench/).
 *
 *   gen_incidents -n 1000000 --seed 42 -o out.csv     (or -o - for stdout)
 *   gen_incidents -n 1M --bng-box 520000,170000,540000,190000 -o box.csv
 *
 * Output
 *   The 12-column police.uk street-level header
 *     Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,
 *     LSOA code,LSOA name,Crime type,Last outcome category,Context
 *   then n rows. Coordinates are WGS84 lon/lat with 6 decimals over a
 *   London-sized extent (lon -0.51..0.33, lat 51.28..51.69).
 *
 *   With --bng-box xmin,ymin,xmax,ymax (whole metres, British National
 *   Grid, EPSG:27700) the same model runs in projected metres instead, and
 *   the header names the coordinate columns X,Y (metres, 2 decimals); the
 *   other columns are as above. Every point lies inside the box (edges
 *   included): cluster centres in its inner 80%, the snap lattice 60 m x
 *   60 m from its south-west corner, LSOA-like cells 550 m, the borough
 *   grid 6 x 6 over the box. The default output does not change.
 *
 *   With --dates a 13th column, Date (YYYY-MM-DD), is added after Context:
 *   days of the 52 weeks 2024-01-01 .. 2024-12-29 (364 days), uniform,
 *   except that about 10% of the rows are near repeats: a copy of one of
 *   the previous (up to 8192) rows, moved by up to 100 m in x and in y
 *   (so within 200 m Manhattan, 142 m Euclidean, before snapping to the
 *   lattice) and 1..14 days later (earlier if that would leave the
 *   year). Month is then the Date's month. The dates come from their own
 *   random stream, so the other columns of the rows that are not copies
 *   are those of the same run without --dates (Month aside).
 *
 *   With --snap 0 the coordinates are the drawn positions themselves, not
 *   the snap points (nearly every row its own location, as geocoded
 *   addresses or other forces' exports give); every other column, and the
 *   random streams, are those of the same run with --snap 1.
 *
 * Model
 *   - 200 Gaussian clusters (spread 100..1500 m, heavy-tailed weights,
 *     centres in the inner part of the extent) carry 80% of the rows; the
 *     other 20% are uniform over the whole extent.
 *   - Every point is snapped to the nearest node of a fixed lattice of
 *     about 740,000 "snap points" (about 60 m apart, each node moved by a
 *     fixed hash-derived offset so the lattice is not perfectly regular),
 *     so many rows share coordinates, as police.uk's anonymised map points
 *     do. Street name, LSOA code and LSOA name are functions of the snap
 *     point / its neighbourhood, so equal coordinates carry equal text.
 *   - Month is YYYY-MM over the 36 months 2022-03..2025-02 with a mild
 *     downward trend and a winter peak.
 *   - Crime type: 60% Burglary, 10% each of Vehicle crime, Robbery,
 *     Criminal damage and arson, Other theft.
 *
 * Determinism
 *   The output depends only on (seed, n[, box]), and the first k rows of a
 *   run with n > k are the rows of the run with n = k. All geometry is done
 *   in integer micro-degrees, or centimetres with --bng-box (no floating
 *   point at all), with our own PRNG
 *   (splitmix64 seeding xoshiro256**), so the bytes are identical on every
 *   platform and compiler.
 *
 * Memory is O(1) in n: rows are formatted into a fixed buffer and streamed.
 * Build: cc -std=c11 -O2 -o gen_incidents gen_incidents.c -lm
 */

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ PRNG */

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

typedef struct {
    uint64_t s[4];
} rng_t;

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t rng_next(rng_t *r) /* xoshiro256** */
{
    uint64_t *s = r->s;
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

static void rng_seed(rng_t *r, uint64_t seed, uint64_t stream)
{
    uint64_t sm = seed ^ (stream * UINT64_C(0xD1B54A32D192ED03));
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&sm);
}

/* Uniform integer in [0, n), n > 0 (Lemire's multiply-shift, with
 * rejection so it is exactly uniform). */
static uint64_t rng_below(rng_t *r, uint64_t n)
{
    uint64_t x = rng_next(r);
    /* 128-bit product via two 64-bit halves, portable C11. */
    uint64_t threshold = (0 - n) % n;
    for (;;) {
        uint64_t xl = x & 0xFFFFFFFFu, xh = x >> 32;
        uint64_t nl = n & 0xFFFFFFFFu, nh = n >> 32;
        uint64_t ll = xl * nl, lh = xl * nh, hl = xh * nl, hh = xh * nh;
        uint64_t mid = (ll >> 32) + (lh & 0xFFFFFFFFu) + (hl & 0xFFFFFFFFu);
        uint64_t hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
        uint64_t lo = (mid << 32) | (ll & 0xFFFFFFFFu);
        if (lo >= threshold)
            return hi;
        x = rng_next(r);
    }
}

/* Stateless hash of two lattice indices and a salt -> 64 bits. */
static uint64_t hash3(uint64_t seed, int64_t a, int64_t b, uint64_t salt)
{
    uint64_t s = seed ^ (salt * UINT64_C(0x9E3779B97F4A7C15));
    s ^= (uint64_t)a * UINT64_C(0xA24BAED4963EE407);
    s = splitmix64(&s);
    s ^= (uint64_t)b * UINT64_C(0x9FB21C651E98DF25);
    return splitmix64(&s);
}

/* Approximately standard-normal deviate scaled by sigma, in integer units:
 * Irwin-Hall sum of four 16-bit uniforms from one 64-bit draw, centred and
 * scaled by sqrt(12/4) = sqrt(3) ~ 1732/1000. Range is +-3.46 sigma. */
static int64_t gauss_scaled(rng_t *r, int64_t sigma)
{
    uint64_t x = rng_next(r);
    int64_t s = (int64_t)(x & 0xFFFF) + (int64_t)((x >> 16) & 0xFFFF) +
                (int64_t)((x >> 32) & 0xFFFF) + (int64_t)(x >> 48);
    /* mean of the sum is 4 * 65535 / 2 = 131070; work in half units */
    int64_t d2 = 2 * s - 262140; /* = 2 * (s - mean) */
    return d2 * sigma * 1732 / (2 * 1000 * 65536);
}

/* ------------------------------------------------------------ the model */

/* Extent in micro-degrees. */
#define LON_MIN (-510000)
#define LON_MAX 330000
#define LAT_MIN 51280000
#define LAT_MAX 51690000

/* Metres per degree at about 51.5 N (fixed constants, local equirect.). */
#define M_PER_DEG_LON 69400
#define M_PER_DEG_LAT 111250

/* Snap lattice: ~60 m spacing -> 866 x 539 micro-degrees,
 * 970 x 761 = 738,170 nodes. */
#define SNAP_DLON 866
#define SNAP_DLAT 539

/* LSOA-like cells: ~550 m. */
#define LSOA_DLON 7925
#define LSOA_DLAT 4944

#define N_CLUSTERS 200
#define BACKGROUND_PERMILLE 200

typedef struct {
    int64_t lon, lat;         /* centre, micro-degrees (cm with --bng-box) */
    int64_t sig_lon, sig_lat; /* spread, same units */
} cluster_t;

/* The geometry of one run, in integer units: micro-degrees for the
 * default lon/lat output, centimetres for --bng-box. The default values
 * are the constants above, so the default output is unchanged. */
typedef struct {
    int64_t x_min, x_max, y_min, y_max; /* extent */
    int64_t cx_min, cx_span;            /* cluster centres: x_min' + [0, span] */
    int64_t cy_min, cy_span;
    int64_t sig_x_num, sig_x_den;       /* metres -> units: m * num / den */
    int64_t sig_y_num, sig_y_den;
    int64_t snap_dx, snap_dy;           /* snap lattice spacing */
    int64_t lsoa_dx, lsoa_dy;           /* LSOA-like cells */
    int bng;                            /* 1: write X,Y metres (units are cm) */
} geom_t;

static const geom_t GEOM_LONLAT = {
    LON_MIN, LON_MAX, LAT_MIN, LAT_MAX,
    -400000, 620000,     /* -0.40 .. 0.22 */
    51340000, 300000,    /* 51.34 .. 51.64 */
    1000000, M_PER_DEG_LON, 1000000, M_PER_DEG_LAT,
    SNAP_DLON, SNAP_DLAT, LSOA_DLON, LSOA_DLAT, 0,
};

/* --bng-box: centimetres; snap lattice 60 m, LSOA-like cells 550 m */
#define BNG_SNAP_CM 6000
#define BNG_LSOA_CM 55000

static geom_t geom_bng(int64_t xmin_m, int64_t ymin_m, int64_t xmax_m, int64_t ymax_m)
{
    geom_t g;
    g.x_min = xmin_m * 100;
    g.x_max = xmax_m * 100;
    g.y_min = ymin_m * 100;
    g.y_max = ymax_m * 100;
    /* cluster centres in the inner 80% of the box */
    g.cx_min = g.x_min + (g.x_max - g.x_min) / 10;
    g.cx_span = (g.x_max - g.x_min) * 8 / 10;
    g.cy_min = g.y_min + (g.y_max - g.y_min) / 10;
    g.cy_span = (g.y_max - g.y_min) * 8 / 10;
    g.sig_x_num = g.sig_y_num = 100;
    g.sig_x_den = g.sig_y_den = 1;
    g.snap_dx = g.snap_dy = BNG_SNAP_CM;
    g.lsoa_dx = g.lsoa_dy = BNG_LSOA_CM;
    g.bng = 1;
    return g;
}

static const char *const CRIME_TYPES[] = {
    "Burglary", "Vehicle crime", "Robbery", "Criminal damage and arson", "Other theft",
};
/* cumulative per-mille: 60% Burglary, 10% each of the others */
static const int CRIME_CUM[] = {600, 700, 800, 900, 1000};

static const char *const OUTCOMES[] = {
    "Investigation complete; no suspect identified",
    "Unable to prosecute suspect",
    "Under investigation",
    "Status update unavailable",
    "Awaiting court outcome",
    "Further investigation is not in the public interest",
    "Local resolution",
    "Offender given a caution",
    "Action to be taken by another organisation",
    "Court result unavailable",
};
static const int OUTCOME_CUM[] = {600, 760, 850, 900, 930, 950, 965, 975, 985, 1000};

static const char *const STREET_STEMS[] = {
    "Albion",    "Alexandra", "Ashford",   "Balham",     "Beaumont",  "Bedford",   "Belgrave",
    "Berkeley",  "Brook",     "Cambridge", "Canterbury", "Carlton",   "Cedar",     "Chapel",
    "Chester",   "Church",    "Clarence",  "Coleridge",  "Cromwell",  "Dalston",   "Denmark",
    "Devonshire", "Dorset",   "Douglas",   "Durham",     "Edith",     "Elm",       "Essex",
    "Fairfield", "Farm",      "Gladstone", "Glebe",      "Gordon",    "Grange",    "Grosvenor",
    "Grove",     "Hamilton",  "Hampton",   "Harrow",     "Hartley",   "Highfield", "Hill",
    "Holly",     "Howard",    "Kings",     "Lansdowne",  "Laurel",    "Lime",      "Linden",
    "Maple",     "Marlborough", "Mill",    "Milton",     "Montague",  "Nelson",    "Newton",
    "Norfolk",   "Oak",       "Orchard",   "Oxford",     "Park",      "Priory",    "Queens",
    "Richmond",  "Rose",      "Russell",   "St John's",  "Salisbury", "Shakespeare", "Silver",
    "Spencer",   "Springfield", "Stanley", "Station",    "Stratford", "Sussex",    "Tennyson",
    "Thornton",  "Trinity",   "Victoria",  "Walnut",     "Warwick",   "Waterloo",  "Wellington",
    "Westbourne", "Willow",   "Windsor",   "Woodland",   "York",
};
static const char *const STREET_SUFFIXES[] = {
    "Road", "Street", "Avenue", "Lane", "Close", "Gardens", "Place", "Way",
    "Court", "Crescent", "Grove", "Terrace", "Drive", "Square", "Walk", "Mews",
};
static const char *const PLACES[] = {
    "Parking Area",    "Supermarket",     "Petrol Station",   "Shopping Area",
    "Further/Higher Educational Building", "Sports/Recreation Area", "Nightclub",
    "Hospital",        "Police Station",  "Theatre/Concert Hall",
};

static const char *const BOROUGHS[] = {
    "Barking and Dagenham", "Barnet", "Bexley", "Brent", "Bromley", "Camden",
    "Croydon", "Ealing", "Enfield", "Greenwich", "Hackney", "Hammersmith and Fulham",
    "Haringey", "Harrow", "Havering", "Hillingdon", "Hounslow", "Islington",
    "Kensington and Chelsea", "Kingston upon Thames", "Lambeth", "Lewisham", "Merton",
    "Newham", "Redbridge", "Richmond upon Thames", "Southwark", "Sutton",
    "Tower Hamlets", "Waltham Forest", "Wandsworth", "Westminster", "City of London",
};

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* --dates: 364 days from 2024-01-01 (2024 is a leap year); near repeats */
#define DATE_DAYS 364
#define NR_PERMILLE 100
#define NR_RING 8192
#define NR_MAX_M 100
#define NR_MAX_DAYS 14
static const int DAYS_IN_MONTH_2024[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

/* 36 months 2022-03 .. 2025-02: mild decline (about 14% over three years)
 * plus a winter peak. Weights are integers; built once. */
#define N_MONTHS 36
static int64_t month_cum[N_MONTHS];

static void build_months(void)
{
    /* seasonal offsets per calendar month, Jan..Dec */
    static const int season[12] = {60, 30, 0, -20, -40, -50, -50, -40, -10, 30, 60, 70};
    int64_t acc = 0;
    for (int m = 0; m < N_MONTHS; m++) {
        int cal = (2 + m) % 12; /* m = 0 is March (index 2) */
        acc += 1000 - 4 * m + season[cal];
        month_cum[m] = acc;
    }
}

static int pick_cum(const int *cum, int n, int permille)
{
    for (int i = 0; i < n; i++)
        if (permille < cum[i])
            return i;
    return n - 1;
}

static cluster_t clusters[N_CLUSTERS];
static int64_t cluster_cum[N_CLUSTERS];

static void build_clusters(const geom_t *g, uint64_t seed)
{
    rng_t r;
    rng_seed(&r, seed, 1);
    int64_t acc = 0;
    for (int i = 0; i < N_CLUSTERS; i++) {
        cluster_t *c = &clusters[i];
        /* centres in the inner part of the extent, where London is */
        c->lon = g->cx_min + (int64_t)rng_below(&r, (uint64_t)g->cx_span + 1);
        c->lat = g->cy_min + (int64_t)rng_below(&r, (uint64_t)g->cy_span + 1);
        /* spread 100..1500 m, skewed to small: 100 + 1400 u^2 */
        int64_t u = (int64_t)rng_below(&r, 10001);
        int64_t sigma_m = 100 + 1400 * u * u / 100000000;
        c->sig_lon = sigma_m * g->sig_x_num / g->sig_x_den;
        c->sig_lat = sigma_m * g->sig_y_num / g->sig_y_den;
        /* heavy-tailed weight: 1 + 99 v^3 (v in [0,1]), so a few
         * clusters carry much of the mass */
        int64_t v = (int64_t)rng_below(&r, 1001);
        int64_t w = 1000 + 99 * v * v * v / 1000;
        acc += w;
        cluster_cum[i] = acc;
    }
}

static int pick_cluster(rng_t *r)
{
    uint64_t x = rng_below(r, (uint64_t)cluster_cum[N_CLUSTERS - 1]);
    int lo = 0, hi = N_CLUSTERS - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if ((int64_t)x < cluster_cum[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* floor division for possibly negative numerators */
static int64_t floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

/* ------------------------------------------------------------ output */

typedef struct {
    FILE *f;
    char buf[1 << 20];
    size_t len;
    int err;
} out_t;

static void out_flush(out_t *o)
{
    if (o->len && fwrite(o->buf, 1, o->len, o->f) != o->len)
        o->err = errno ? errno : EIO;
    o->len = 0;
}

static void out_str(out_t *o, const char *s)
{
    size_t n = strlen(s);
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void out_char(out_t *o, char c) { o->buf[o->len++] = c; }

static void out_uint(out_t *o, uint64_t v, int min_digits)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n < min_digits)
        tmp[n++] = '0';
    while (n)
        o->buf[o->len++] = tmp[--n];
}

/* micro-degrees -> "-0.123456" */
static void out_micro(out_t *o, int64_t v)
{
    if (v < 0) {
        out_char(o, '-');
        v = -v;
    }
    out_uint(o, (uint64_t)(v / 1000000), 1);
    out_char(o, '.');
    out_uint(o, (uint64_t)(v % 1000000), 6);
}

/* centimetres -> "523456.78" */
static void out_cm(out_t *o, int64_t v)
{
    if (v < 0) {
        out_char(o, '-');
        v = -v;
    }
    out_uint(o, (uint64_t)(v / 100), 1);
    out_char(o, '.');
    out_uint(o, (uint64_t)(v % 100), 2);
}

static void out_hex64(out_t *o, uint64_t v)
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 15; i >= 0; i--)
        o->buf[o->len++] = hex[(v >> (4 * i)) & 0xF];
}

/* ------------------------------------------------------------ main */

static void usage(FILE *f)
{
    fputs("usage: gen_incidents -n N [--seed S] [--bng-box XMIN,YMIN,XMAX,YMAX] [--dates 1] [--snap 0] [-o PATH|-]\n"
          "  Writes N synthetic incidents in police.uk street-level CSV format.\n"
          "  -n N        number of rows (suffixes k, M allowed: 10k, 1M)\n"
          "  --seed S    unsigned 64-bit seed (default 42)\n"
          "  --bng-box B whole metres in British National Grid (EPSG:27700): all points\n"
          "              inside the box, columns X,Y (metres) instead of Longitude,Latitude\n"
          "  --dates 1   add a Date column (YYYY-MM-DD over the 52 weeks from 2024-01-01),\n"
          "              about 10% of rows near repeats (<= 100 m in x and y, 1..14 days after\n"
          "              an earlier row); Month follows the Date\n"
          "  --snap 0    do not snap: every row at its own drawn position (whole centimetres or\n"
          "              micro-degrees), as geocoded addresses give; the text columns still follow\n"
          "              the lattice node the row would have snapped to (default 1: snapped)\n"
          "  -o PATH     output file, or - for stdout (default -)\n",
          f);
}

static int parse_count(const char *s, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || s[0] == '-')
        return -1;
    uint64_t mul = 1;
    if (*end == 'k' || *end == 'K') {
        mul = 1000;
        end++;
    } else if (*end == 'm' || *end == 'M') {
        mul = 1000000;
        end++;
    }
    if (*end != '\0')
        return -1;
    if (v > UINT64_MAX / mul)
        return -1;
    *out = (uint64_t)v * mul;
    return 0;
}

/* "xmin,ymin,xmax,ymax" in whole metres, 0 <= v <= 10,000,000, each side
 * at least 1 km (so the snap lattice and the clusters fit). */
static int parse_box(const char *s, int64_t b[4])
{
    for (int k = 0; k < 4; k++) {
        char *end = NULL;
        if (*s < '0' || *s > '9')
            return -1;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno || v > 10000000ULL)
            return -1;
        b[k] = (int64_t)v;
        if (k < 3 && *end != ',')
            return -1;
        if (k == 3 && *end != '\0')
            return -1;
        s = end + 1;
    }
    return b[2] - b[0] >= 1000 && b[3] - b[1] >= 1000 ? 0 : -1;
}

int main(int argc, char **argv)
{
    uint64_t n = 0, seed = 42;
    int have_n = 0;
    geom_t geom = GEOM_LONLAT;
    const geom_t *g = &geom;
    const char *path = "-";
    int dates = 0, snap = 1;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "gen_incidents: %s needs a value\n", a);
            usage(stderr);
            return 1;
        }
        const char *v = argv[++i];
        if (!strcmp(a, "-n")) {
            if (parse_count(v, &n)) {
                fprintf(stderr, "gen_incidents: bad -n value '%s'\n", v);
                return 1;
            }
            have_n = 1;
        } else if (!strcmp(a, "--seed")) {
            if (parse_count(v, &seed)) {
                fprintf(stderr, "gen_incidents: bad --seed value '%s'\n", v);
                return 1;
            }
        } else if (!strcmp(a, "--bng-box")) {
            int64_t b[4];
            if (parse_box(v, b)) {
                fprintf(stderr,
                        "gen_incidents: bad --bng-box '%s' (want xmin,ymin,xmax,ymax in whole metres, "
                        "each side at least 1000)\n",
                        v);
                return 1;
            }
            geom = geom_bng(b[0], b[1], b[2], b[3]);
        } else if (!strcmp(a, "--dates")) {
            if (strcmp(v, "0") && strcmp(v, "1")) {
                fprintf(stderr, "gen_incidents: --dates takes 0 or 1, not '%s'\n", v);
                return 1;
            }
            dates = v[0] == '1';
        } else if (!strcmp(a, "--snap")) {
            if (strcmp(v, "0") && strcmp(v, "1")) {
                fprintf(stderr, "gen_incidents: --snap takes 0 or 1, not '%s'\n", v);
                return 1;
            }
            snap = v[0] == '1';
        } else if (!strcmp(a, "-o")) {
            path = v;
        } else {
            fprintf(stderr, "gen_incidents: unknown option '%s'\n", a);
            usage(stderr);
            return 1;
        }
    }
    if (!have_n) {
        fprintf(stderr, "gen_incidents: -n is required\n");
        usage(stderr);
        return 1;
    }

    static out_t o;
    if (!strcmp(path, "-")) {
        o.f = stdout;
    } else {
        o.f = fopen(path, "wb");
        if (!o.f) {
            fprintf(stderr, "gen_incidents: cannot open '%s': %s\n", path, strerror(errno));
            return 1;
        }
    }

    build_months();
    build_clusters(g, seed);
    rng_t r, rd;
    rng_seed(&r, seed, 2);
    rng_seed(&rd, seed, 3); /* --dates only */
    /* --dates: the last NR_RING rows' raw positions and days */
    static int64_t ring_x[NR_RING], ring_y[NR_RING];
    static int ring_day[NR_RING];

    out_str(&o, g->bng ? "Crime ID,Month,Reported by,Falls within,X,Y,Location,"
                         "LSOA code,LSOA name,Crime type,Last outcome category,Context"
                       : "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,"
                         "LSOA code,LSOA name,Crime type,Last outcome category,Context");
    out_str(&o, dates ? ",Date\n" : "\n");

    const int64_t x_min = g->x_min, x_max = g->x_max, y_min = g->y_min, y_max = g->y_max;
    const int64_t snap_dx = g->snap_dx, snap_dy = g->snap_dy;
    const int64_t snap_cols = (x_max - x_min) / snap_dx + 1;
    const int64_t snap_rows = (y_max - y_min) / snap_dy + 1;
    const int64_t lsoa_cols = (x_max - x_min) / g->lsoa_dx + 1;

    for (uint64_t row = 0; row < n && !o.err; row++) {
        /* --- location --- */
        int64_t lon, lat;
        if ((int)rng_below(&r, 1000) < BACKGROUND_PERMILLE) {
            lon = x_min + (int64_t)rng_below(&r, (uint64_t)(x_max - x_min + 1));
            lat = y_min + (int64_t)rng_below(&r, (uint64_t)(y_max - y_min + 1));
        } else {
            const cluster_t *c = &clusters[pick_cluster(&r)];
            do {
                lon = c->lon + gauss_scaled(&r, c->sig_lon);
                lat = c->lat + gauss_scaled(&r, c->sig_lat);
            } while (lon < x_min || lon > x_max || lat < y_min || lat > y_max);
        }
        /* --dates: the day, and maybe a near repeat of an earlier row
         * (its own stream: the main stream is drawn as without --dates) */
        int day = 0;
        if (dates) {
            day = (int)rng_below(&rd, DATE_DAYS);
            uint64_t have = row < NR_RING ? row : NR_RING;
            if (have > 0 && (int)rng_below(&rd, 1000) < NR_PERMILLE) {
                uint64_t back = 1 + rng_below(&rd, have); /* 1 .. have rows back */
                size_t k = (size_t)((row - back) % NR_RING);
                int64_t mx = NR_MAX_M * g->sig_x_num / g->sig_x_den, my = NR_MAX_M * g->sig_y_num / g->sig_y_den;
                int64_t nx = ring_x[k] + (int64_t)rng_below(&rd, (uint64_t)(2 * mx + 1)) - mx;
                int64_t ny = ring_y[k] + (int64_t)rng_below(&rd, (uint64_t)(2 * my + 1)) - my;
                int dd = 1 + (int)rng_below(&rd, NR_MAX_DAYS);
                lon = nx < x_min ? x_min : nx > x_max ? x_max : nx;
                lat = ny < y_min ? y_min : ny > y_max ? y_max : ny;
                day = ring_day[k] + dd < DATE_DAYS ? ring_day[k] + dd : ring_day[k] - dd;
            }
            ring_x[row % NR_RING] = lon;
            ring_y[row % NR_RING] = lat;
            ring_day[row % NR_RING] = day;
        }
        /* snap to the nearest lattice node, then to that node's fixed,
         * hash-derived position (within +-30% of a step of the node) */
        int64_t ci = floordiv(lon - x_min + snap_dx / 2, snap_dx);
        int64_t cj = floordiv(lat - y_min + snap_dy / 2, snap_dy);
        if (ci >= snap_cols)
            ci = snap_cols - 1;
        if (cj >= snap_rows)
            cj = snap_rows - 1;
        uint64_t h = hash3(seed, ci, cj, 7);
        int64_t jx = (int64_t)(h & 0xFFFF) * (snap_dx * 6 / 10) / 65536 - snap_dx * 3 / 10;
        int64_t jy = (int64_t)((h >> 16) & 0xFFFF) * (snap_dy * 6 / 10) / 65536 - snap_dy * 3 / 10;
        int64_t slon = x_min + ci * snap_dx + jx;
        int64_t slat = y_min + cj * snap_dy + jy;
        /* nodes on an edge move inwards, never out (in the default
         * extent no node reaches the east or north edge) */
        if (slon < x_min || slon > x_max)
            slon = x_min + ci * snap_dx - jx;
        if (slat < y_min || slat > y_max)
            slat = y_min + cj * snap_dy - jy;

        /* --- attributes --- */
        int m = 0;
        {
            int64_t x = (int64_t)rng_below(&r, (uint64_t)month_cum[N_MONTHS - 1]);
            while (x >= month_cum[m])
                m++;
        }
        int year = 2022 + (2 + m) / 12, mon = (2 + m) % 12 + 1, mday = 0;
        if (dates) { /* day 0 = 2024-01-01 */
            int d = day;
            year = 2024, mon = 1;
            while (d >= DAYS_IN_MONTH_2024[mon - 1])
                d -= DAYS_IN_MONTH_2024[mon - 1], mon++;
            mday = d + 1;
        }
        int type = pick_cum(CRIME_CUM, (int)N_ELEMS(CRIME_CUM), (int)rng_below(&r, 1000));
        int outcome = pick_cum(OUTCOME_CUM, (int)N_ELEMS(OUTCOME_CUM), (int)rng_below(&r, 1000));
        uint64_t id[4];
        for (int k = 0; k < 4; k++)
            id[k] = rng_next(&r);

        /* LSOA-like neighbourhood of the snap point */
        int64_t li = (slon - x_min) / g->lsoa_dx, lj = (slat - y_min) / g->lsoa_dy;
        int64_t lsoa_idx = lj * lsoa_cols + li;
        /* "borough": 33 names over a coarse 6 x 6 grid of the extent */
        int64_t bi = (slon - x_min) * 6 / (x_max - x_min + 1);
        int64_t bj = (slat - y_min) * 6 / (y_max - y_min + 1);
        const char *borough = BOROUGHS[(bj * 6 + bi) % (int64_t)N_ELEMS(BOROUGHS)];

        /* --- format --- */
        if (o.len > sizeof(o.buf) - 1024)
            out_flush(&o);
        for (int k = 0; k < 4; k++)
            out_hex64(&o, id[k]);
        out_char(&o, ',');
        out_uint(&o, (uint64_t)year, 4);
        out_char(&o, '-');
        out_uint(&o, (uint64_t)mon, 2);
        out_str(&o, ",Metropolitan Police Service,Metropolitan Police Service,");
        /* --snap 0: the drawn position itself (the text columns still follow its node) */
        const int64_t ox = snap ? slon : lon, oy = snap ? slat : lat;
        if (g->bng) {
            out_cm(&o, ox);
            out_char(&o, ',');
            out_cm(&o, oy);
        } else {
            out_micro(&o, ox);
            out_char(&o, ',');
            out_micro(&o, oy);
        }
        out_str(&o, ",On or near ");
        uint64_t hs = hash3(seed, ci, cj, 11);
        if (hs % 40 == 0) {
            out_str(&o, PLACES[(hs >> 8) % N_ELEMS(PLACES)]);
        } else {
            out_str(&o, STREET_STEMS[(hs >> 8) % N_ELEMS(STREET_STEMS)]);
            out_char(&o, ' ');
            out_str(&o, STREET_SUFFIXES[(hs >> 24) % N_ELEMS(STREET_SUFFIXES)]);
        }
        out_str(&o, ",E0");
        out_uint(&o, (uint64_t)(1900000 + lsoa_idx), 7);
        out_char(&o, ',');
        out_str(&o, borough);
        out_char(&o, ' ');
        out_uint(&o, (uint64_t)(lsoa_idx % 997 + 1), 3);
        out_char(&o, (char)('A' + hash3(seed, li, lj, 13) % 5));
        out_char(&o, ',');
        out_str(&o, CRIME_TYPES[type]);
        out_char(&o, ',');
        out_str(&o, OUTCOMES[outcome]);
        out_char(&o, ',');
        if (dates) {
            out_char(&o, ',');
            out_uint(&o, (uint64_t)year, 4);
            out_char(&o, '-');
            out_uint(&o, (uint64_t)mon, 2);
            out_char(&o, '-');
            out_uint(&o, (uint64_t)mday, 2);
        }
        out_char(&o, '\n');
    }
    out_flush(&o);
    if (!o.err && fflush(o.f) != 0)
        o.err = errno ? errno : EIO;
    if (o.f != stdout && fclose(o.f) != 0 && !o.err)
        o.err = errno ? errno : EIO;
    if (o.err) {
        fprintf(stderr, "gen_incidents: write error on '%s': %s\n", path, strerror(o.err));
        return 1;
    }
    return 0;
}
