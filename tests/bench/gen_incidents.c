/*
 * gen_incidents — synthetic crime incidents in police.uk street-level CSV
 * format, for the safemap benchmarks (tests/bench/).
 *
 *   gen_incidents -n 1000000 --seed 42 -o out.csv     (or -o - for stdout)
 *
 * Output
 *   The 12-column police.uk street-level header
 *     Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,
 *     LSOA code,LSOA name,Crime type,Last outcome category,Context
 *   then n rows. Coordinates are WGS84 lon/lat with 6 decimals over a
 *   London-sized extent (lon -0.51..0.33, lat 51.28..51.69).
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
 *   The output depends only on (seed, n), and the first k rows of a run
 *   with n > k are the rows of the run with n = k. All geometry is done in
 *   integer micro-degrees (no floating point at all), with our own PRNG
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
    int64_t lon, lat;         /* centre, micro-degrees */
    int64_t sig_lon, sig_lat; /* spread, micro-degrees */
} cluster_t;

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

static void build_clusters(uint64_t seed)
{
    rng_t r;
    rng_seed(&r, seed, 1);
    int64_t acc = 0;
    for (int i = 0; i < N_CLUSTERS; i++) {
        cluster_t *c = &clusters[i];
        /* centres in the inner part of the extent, where London is */
        c->lon = -400000 + (int64_t)rng_below(&r, 620001);   /* -0.40 .. 0.22 */
        c->lat = 51340000 + (int64_t)rng_below(&r, 300001);  /* 51.34 .. 51.64 */
        /* spread 100..1500 m, skewed to small: 100 + 1400 u^2 */
        int64_t u = (int64_t)rng_below(&r, 10001);
        int64_t sigma_m = 100 + 1400 * u * u / 100000000;
        c->sig_lon = sigma_m * 1000000 / M_PER_DEG_LON;
        c->sig_lat = sigma_m * 1000000 / M_PER_DEG_LAT;
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

static void out_hex64(out_t *o, uint64_t v)
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 15; i >= 0; i--)
        o->buf[o->len++] = hex[(v >> (4 * i)) & 0xF];
}

/* ------------------------------------------------------------ main */

static void usage(FILE *f)
{
    fputs("usage: gen_incidents -n N [--seed S] [-o PATH|-]\n"
          "  Writes N synthetic incidents in police.uk street-level CSV format.\n"
          "  -n N        number of rows (suffixes k, M allowed: 10k, 1M)\n"
          "  --seed S    unsigned 64-bit seed (default 42)\n"
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

int main(int argc, char **argv)
{
    uint64_t n = 0, seed = 42;
    int have_n = 0;
    const char *path = "-";

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
    build_clusters(seed);
    rng_t r;
    rng_seed(&r, seed, 2);

    out_str(&o, "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,"
                "LSOA code,LSOA name,Crime type,Last outcome category,Context\n");

    const int64_t snap_cols = (LON_MAX - LON_MIN) / SNAP_DLON + 1;
    const int64_t snap_rows = (LAT_MAX - LAT_MIN) / SNAP_DLAT + 1;
    const int64_t lsoa_cols = (LON_MAX - LON_MIN) / LSOA_DLON + 1;

    for (uint64_t row = 0; row < n && !o.err; row++) {
        /* --- location --- */
        int64_t lon, lat;
        if ((int)rng_below(&r, 1000) < BACKGROUND_PERMILLE) {
            lon = LON_MIN + (int64_t)rng_below(&r, LON_MAX - LON_MIN + 1);
            lat = LAT_MIN + (int64_t)rng_below(&r, LAT_MAX - LAT_MIN + 1);
        } else {
            const cluster_t *c = &clusters[pick_cluster(&r)];
            do {
                lon = c->lon + gauss_scaled(&r, c->sig_lon);
                lat = c->lat + gauss_scaled(&r, c->sig_lat);
            } while (lon < LON_MIN || lon > LON_MAX || lat < LAT_MIN || lat > LAT_MAX);
        }
        /* snap to the nearest lattice node, then to that node's fixed,
         * hash-derived position (within +-30% of a step of the node) */
        int64_t ci = floordiv(lon - LON_MIN + SNAP_DLON / 2, SNAP_DLON);
        int64_t cj = floordiv(lat - LAT_MIN + SNAP_DLAT / 2, SNAP_DLAT);
        if (ci >= snap_cols)
            ci = snap_cols - 1;
        if (cj >= snap_rows)
            cj = snap_rows - 1;
        uint64_t h = hash3(seed, ci, cj, 7);
        int64_t jx = (int64_t)(h & 0xFFFF) * (SNAP_DLON * 6 / 10) / 65536 - SNAP_DLON * 3 / 10;
        int64_t jy = (int64_t)((h >> 16) & 0xFFFF) * (SNAP_DLAT * 6 / 10) / 65536 - SNAP_DLAT * 3 / 10;
        int64_t slon = LON_MIN + ci * SNAP_DLON + jx;
        int64_t slat = LAT_MIN + cj * SNAP_DLAT + jy;
        /* nodes on the west/south edge move inwards, never out */
        if (slon < LON_MIN)
            slon = LON_MIN + ci * SNAP_DLON - jx;
        if (slat < LAT_MIN)
            slat = LAT_MIN + cj * SNAP_DLAT - jy;

        /* --- attributes --- */
        int m = 0;
        {
            int64_t x = (int64_t)rng_below(&r, (uint64_t)month_cum[N_MONTHS - 1]);
            while (x >= month_cum[m])
                m++;
        }
        int year = 2022 + (2 + m) / 12, mon = (2 + m) % 12 + 1;
        int type = pick_cum(CRIME_CUM, (int)N_ELEMS(CRIME_CUM), (int)rng_below(&r, 1000));
        int outcome = pick_cum(OUTCOME_CUM, (int)N_ELEMS(OUTCOME_CUM), (int)rng_below(&r, 1000));
        uint64_t id[4];
        for (int k = 0; k < 4; k++)
            id[k] = rng_next(&r);

        /* LSOA-like neighbourhood of the snap point */
        int64_t li = (slon - LON_MIN) / LSOA_DLON, lj = (slat - LAT_MIN) / LSOA_DLAT;
        int64_t lsoa_idx = lj * lsoa_cols + li;
        /* "borough": 33 names over a coarse 6 x 6 grid of the extent */
        int64_t bi = (slon - LON_MIN) * 6 / (LON_MAX - LON_MIN + 1);
        int64_t bj = (slat - LAT_MIN) * 6 / (LAT_MAX - LAT_MIN + 1);
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
        out_micro(&o, slon);
        out_char(&o, ',');
        out_micro(&o, slat);
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
        out_str(&o, ",\n");
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
