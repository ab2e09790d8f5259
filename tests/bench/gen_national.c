/*
 * gen_national — synthetic street-level crime for the whole of England and
 * Wales in police.uk's CSV format and archive layout, for benchmarking
 * safemap at national scale (tests/bench/README.md, "National-shape input").
 *
 *   gen_national -o DIR                       (60M rows, 2015-01 .. 2024-12)
 *   gen_national -n 5M --months 12 --from 2024-01 --seed 7 -o DIR
 *   gen_national -n 1M -o - > national_1M.csv  (one stream, one header)
 *   gen_national --outline                    (the land outline as WKT)
 *
 * Output
 *   police.uk's 12-column street-level header
 *     Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,
 *     LSOA code,LSOA name,Crime type,Last outcome category,Context
 *   and WGS84 lon/lat with 6 decimals. With -o DIR the rows are laid out as
 *   police.uk's archive is: DIR/YYYY-MM/YYYY-MM-<force>-street.csv, one file
 *   per month per police force with rows that month (43 forces, slugs as
 *   police.uk's: metropolitan, west-midlands, ...), each file with the
 *   header. With -o - they are one CSV stream on stdout with one header.
 *   With --bng the coordinate columns are X,Y instead: British National
 *   Grid (EPSG:27700) metres with 2 decimals.
 *
 * Model
 *   - Land: a hand-made outline of mainland England and Wales (the Scottish
 *     border, the coast to about 5-10 km, the Humber, Thames, Severn and Dee
 *     estuaries as notches) plus Anglesey and the Isle of Wight as separate
 *     rings; 206 vertices in all (189 + 10 + 7), in hundredths of a degree.
 *     Other islands (Scilly, Man, Lundy, ...) are left out.
 *   - Snap locations: first a fixed set of L (--locations, default 750,000)
 *     map points, like police.uk's anonymised ones: 85% from 83 towns and
 *     cities (10 of them groups of London boroughs), as Gaussian clusters
 *     with spread 4 m x sqrt(population) and weight = population (the
 *     London groups' weights scaled so that London holds about 16% of the
 *     rows), 15% uniform over the land. Every point is inside the outline
 *     (exact integer point-in-polygon; draws outside are redrawn). Each
 *     location has a weight from a heavy-tailed (Pareto-like, tail index 2)
 *     distribution, so a few locations are hot; the countryside's weights
 *     are capped at 16 times the smallest, so the hottest are in towns.
 *   - Areas: locations are grouped into LSOA-like cells of a fixed grid of
 *     about 1 km (0.0147 x 0.009 degrees). A cell's centre decides its
 *     country (Wales = inside a coarse polygon west of the England-Wales
 *     border and north of the Severn estuary), its town (the nearest town
 *     of that country; the City of London is a box over the Square Mile)
 *     and so its police force. LSOA code E01nnnnnn or W01nnnnnn (the cell's
 *     number), LSOA name "<town> NNNL". The street ("On or near Albion
 *     Road", sometimes "On or near Supermarket") is fixed per location.
 *   - Rows: each row draws a location with probability proportional to its
 *     weight (Walker's alias method, in integers, O(1) per row), so many
 *     rows share coordinates. Month: one of M (--months, default 120) from
 *     --from (default 2015-01), with a seasonal pattern (-6% in February,
 *     +4% in July): the months come from a fixed shuffled sequence of about
 *     1000 x M entries that repeats, so every month's count is within a few
 *     per cent of its share once n is a few times 1000 x M. Crime type in
 *     police.uk's national proportions (Violence and sexual offences 32.3%,
 *     Anti-social behaviour 20%, ...). Crime ID: 64 hex digits; it and the
 *     outcome are empty for Anti-social behaviour. Context is empty. No
 *     field needs quoting.
 *
 * Determinism
 *   The output depends only on (seed, n, months, from, locations). Row i is
 *   a function of (seed, i) and the fixed model, so the first k rows of the
 *   stdout stream of a run with n > k are the rows of the run with n = k,
 *   and the per-month files hold the same rows as the stream (grouped by
 *   month and force, in stream order within a file). The model and the
 *   lon/lat output use integer arithmetic on micro-degrees only (no
 *   floating point), with our own PRNG (splitmix64 seeding xoshiro256**), so
 *   those bytes are identical on every platform and compiler. --bng is the
 *   exception: the projection (Helmert WGS84 -> OSGB36, then the Ordnance
 *   Survey's Transverse Mercator series; about 5 m from OSTN15) is done in
 *   double, so its output may differ in the last digit between libm
 *   implementations.
 *
 * Speed and memory: rows are formatted into large buffers and written with
 * fwrite; memory is O(L) (about 40 bytes per location), not O(n).
 * Build: cc -std=c11 -O2 -o gen_national gen_national.c -lm
 * (-o DIR uses POSIX mkdir.)
 */

#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

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
 * rejection so it is exactly uniform; the same numbers as gen_incidents.c's
 * rng_below, with the division only when a rejection is possible). */
static uint64_t mul_hi_lo(uint64_t x, uint64_t n, uint64_t *lo_out)
{
#ifdef __SIZEOF_INT128__
    __extension__ typedef unsigned __int128 u128;
    u128 p = (u128)x * n;
    *lo_out = (uint64_t)p;
    return (uint64_t)(p >> 64);
#else
    uint64_t xl = x & 0xFFFFFFFFu, xh = x >> 32;
    uint64_t nl = n & 0xFFFFFFFFu, nh = n >> 32;
    uint64_t ll = xl * nl, lh = xl * nh, hl = xh * nl, hh = xh * nh;
    uint64_t mid = (ll >> 32) + (lh & 0xFFFFFFFFu) + (hl & 0xFFFFFFFFu);
    *lo_out = (mid << 32) | (ll & 0xFFFFFFFFu);
    return hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
#endif
}

static uint64_t rng_below(rng_t *r, uint64_t n)
{
    uint64_t lo, hi = mul_hi_lo(rng_next(r), n, &lo);
    if (lo < n) {
        uint64_t threshold = (0 - n) % n;
        while (lo < threshold)
            hi = mul_hi_lo(rng_next(r), n, &lo);
    }
    return hi;
}

/* Stateless hash of two integers and a salt -> 64 bits. */
static uint64_t hash3(uint64_t seed, int64_t a, int64_t b, uint64_t salt)
{
    uint64_t s = seed ^ (salt * UINT64_C(0x9E3779B97F4A7C15));
    s ^= (uint64_t)a * UINT64_C(0xA24BAED4963EE407);
    s = splitmix64(&s);
    s ^= (uint64_t)b * UINT64_C(0x9FB21C651E98DF25);
    return splitmix64(&s);
}

/* Approximately standard-normal deviate scaled by sigma, in integer units:
 * Irwin-Hall sum of four 16-bit uniforms (as gen_incidents.c). Range is
 * +-3.46 sigma. */
static int64_t gauss_scaled(rng_t *r, int64_t sigma)
{
    uint64_t x = rng_next(r);
    int64_t s = (int64_t)(x & 0xFFFF) + (int64_t)((x >> 16) & 0xFFFF) +
                (int64_t)((x >> 32) & 0xFFFF) + (int64_t)(x >> 48);
    int64_t d2 = 2 * s - 262140;
    return d2 * sigma * 1732 / (2 * 1000 * 65536);
}

static int64_t isqrt64(int64_t v)
{
    int64_t x = 0, bit = (int64_t)1 << 62;
    while (bit > v)
        bit >>= 2;
    while (bit) {
        if (v >= x + bit) {
            v -= x + bit;
            x = (x >> 1) + bit;
        } else {
            x >>= 1;
        }
        bit >>= 2;
    }
    return x;
}

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------ geography */

/* Rings in hundredths of a degree (lon, lat): about 1 km. */
static const int16_t MAINLAND[][2] = {
    /* the Scottish border, Solway to Berwick */
    {-305, 5498}, {-298, 5506}, {-278, 5515}, {-248, 5535}, {-214, 5548}, {-225, 5565}, {-204, 5580},
    /* east coast: Northumberland, Durham, Yorkshire */
    {-199, 5576}, {-171, 5560}, {-160, 5540}, {-150, 5513}, {-142, 5502}, {-136, 5490}, {-133, 5484},
    {-118, 5469}, {-115, 5463}, {-105, 5462}, {-86, 5457}, {-61, 5449}, {-39, 5428}, {-8, 5412},
    {-18, 5408}, {-16, 5391}, {3, 5373}, {12, 5358},
    /* the Humber: north bank in, south bank out */
    {-23, 5372}, {-33, 5373}, {-57, 5371}, {-70, 5370}, {-43, 5368}, {-19, 5362}, {-6, 5357}, {-2, 5354},
    /* Lincolnshire, the Wash, Norfolk, Suffolk, Essex */
    {26, 5334}, {34, 5314}, {33, 5310}, {5, 5293}, {19, 5279}, {37, 5278}, {49, 5295}, {85, 5297},
    {130, 5293}, {153, 5282}, {169, 5272}, {174, 5260}, {176, 5247}, {168, 5233}, {161, 5215}, {158, 5208},
    {135, 5195}, {128, 5185}, {116, 5178}, {96, 5175}, {93, 5173}, {95, 5162}, {80, 5153},
    /* the Thames: north bank in, south bank out */
    {58, 5152}, {36, 5146}, {26, 5147}, {37, 5144}, {50, 5147}, {72, 5145}, {76, 5144},
    /* Kent, Sussex, Hampshire, Dorset */
    {90, 5139}, {102, 5136}, {120, 5138}, {145, 5138}, {142, 5133}, {140, 5122}, {137, 5114}, {131, 5112},
    {118, 5107}, {97, 5091}, {77, 5094}, {58, 5085}, {30, 5077}, {24, 5074}, {5, 5078}, {-14, 5081},
    {-37, 5080}, {-68, 5078}, {-79, 5072}, {-93, 5078}, {-110, 5078}, {-131, 5081}, {-154, 5074},
    {-175, 5071}, {-195, 5068}, {-196, 5061}, {-206, 5058}, {-245, 5060}, {-246, 5054}, {-276, 5070},
    /* Devon and Cornwall */
    {-294, 5072}, {-341, 5061}, {-351, 5046}, {-348, 5040}, {-364, 5022}, {-387, 5024}, {-414, 5036},
    {-445, 5035}, {-480, 5022}, {-505, 5015}, {-520, 4996}, {-553, 5011}, {-571, 5006}, {-570, 5013},
    {-547, 5022}, {-508, 5042}, {-503, 5055}, {-476, 5067}, {-455, 5083}, {-453, 5102}, {-424, 5104},
    {-425, 5114}, {-412, 5121}, {-383, 5124}, {-347, 5121}, {-305, 5121},
    /* Somerset, the Severn (in to Sharpness, out along the Welsh bank) */
    {-302, 5133}, {-300, 5135}, {-287, 5144}, {-277, 5149}, {-264, 5161}, {-245, 5174}, {-253, 5172},
    {-266, 5162}, {-275, 5158}, {-297, 5154}, {-316, 5145}, {-327, 5139},
    /* south and west Wales */
    {-356, 5140}, {-370, 5148}, {-382, 5157}, {-392, 5160}, {-398, 5156}, {-420, 5154}, {-432, 5156},
    {-425, 5165}, {-430, 5168}, {-440, 5174}, {-470, 5167}, {-493, 5160}, {-517, 5168}, {-525, 5173},
    {-510, 5178}, {-531, 5190}, {-507, 5203}, {-470, 5211}, {-436, 5222}, {-409, 5241}, {-405, 5254},
    {-410, 5258}, {-406, 5272}, {-412, 5286}, {-441, 5288}, {-477, 5280}, {-453, 5295}, {-434, 5308},
    {-428, 5314}, {-413, 5323},
    /* north Wales, the Dee, the Wirral */
    {-393, 5327}, {-386, 5334}, {-374, 5331}, {-349, 5332}, {-332, 5335}, {-313, 5325}, {-303, 5321},
    {-308, 5330}, {-319, 5338}, {-304, 5344},
    /* Lancashire and Cumbria */
    {-305, 5349}, {-310, 5356}, {-302, 5365}, {-297, 5373}, {-306, 5382}, {-302, 5393}, {-292, 5403},
    {-287, 5407}, {-284, 5420}, {-307, 5417}, {-326, 5405}, {-330, 5419}, {-342, 5435}, {-364, 5451},
    {-357, 5464}, {-350, 5471}, {-340, 5487}, {-321, 5495},
};
static const int16_t ANGLESEY[][2] = {
    {-416, 5322}, {-409, 5327}, {-404, 5331}, {-420, 5333}, {-434, 5341}, {-456, 5340},
    {-463, 5331}, {-452, 5322}, {-438, 5314}, {-433, 5316},
};
static const int16_t WIGHT[][2] = {
    {-130, 5077}, {-116, 5073}, {-107, 5069}, {-115, 5065}, {-130, 5058}, {-159, 5066}, {-150, 5071},
};
/* Wales for LSOA codes and forces: west of a coarse England-Wales border
 * (Dee estuary to the Wye's mouth), north of a line down the middle of the
 * Severn estuary and the Bristol Channel, open to the sea elsewhere. */
static const int16_t WALES[][2] = {
    {-600, 5350}, {-330, 5350}, {-322, 5336}, {-310, 5326}, {-300, 5320}, {-293, 5317}, {-290, 5308},
    {-275, 5300}, {-272, 5295}, {-290, 5293}, {-308, 5293}, {-312, 5286}, {-315, 5280}, {-309, 5278},
    {-300, 5272}, {-307, 5260}, {-313, 5255}, {-312, 5250}, {-305, 5242}, {-300, 5235}, {-298, 5227},
    {-310, 5220}, {-313, 5210}, {-308, 5208}, {-298, 5198}, {-288, 5193}, {-275, 5190}, {-266, 5183},
    {-267, 5170}, {-265, 5161}, {-275, 5153}, {-305, 5140}, {-360, 5133}, {-450, 5140}, {-600, 5140},
};

typedef struct {
    int32_t *x, *y; /* micro-degrees */
    int n;
} ring_t;

static ring_t ring_make(const int16_t (*v)[2], int n)
{
    ring_t r;
    r.x = malloc(sizeof(int32_t) * (size_t)n);
    r.y = malloc(sizeof(int32_t) * (size_t)n);
    r.n = n;
    if (!r.x || !r.y) {
        fputs("gen_national: out of memory\n", stderr);
        exit(1);
    }
    for (int i = 0; i < n; i++) {
        r.x[i] = (int32_t)v[i][0] * 10000;
        r.y[i] = (int32_t)v[i][1] * 10000;
    }
    return r;
}

/* Crossing-number test, exact in integers: 1 when the horizontal ray from
 * (x, y) eastwards crosses the ring an odd number of times. */
static int ring_inside(const ring_t *r, int64_t x, int64_t y)
{
    int c = 0;
    for (int i = 0, j = r->n - 1; i < r->n; j = i++) {
        int64_t xi = r->x[i], yi = r->y[i], xj = r->x[j], yj = r->y[j];
        if ((yi > y) != (yj > y)) {
            /* x < xi + (y - yi) (xj - xi) / (yj - yi) */
            int64_t den = yj - yi, num = (y - yi) * (xj - xi), lhs = (x - xi) * den;
            if (den > 0 ? lhs < num : lhs > num)
                c ^= 1;
        }
    }
    return c;
}

static ring_t land[3], wales;

static int on_land(int64_t x, int64_t y)
{
    for (int k = 0; k < 3; k++)
        if (ring_inside(&land[k], x, y))
            return 1;
    return 0;
}

/* Metres per degree of longitude on WGS84 at whole degrees of latitude
 * 49..57 (111412.84 cos(phi) - 93.5 cos(3 phi), rounded); linear between. */
static const int32_t M_PER_DEG_LON[] = {73172, 71696, 70198, 68678, 67137, 65576, 63994, 62393, 60772};
#define M_PER_DEG_LAT 111250

static int64_t m_per_deg_lon(int64_t lat)
{
    int64_t k = lat / 1000000 - 49;
    if (k < 0)
        k = 0;
    if (k > 7)
        k = 7;
    int64_t f = lat - (49 + k) * 1000000;
    return M_PER_DEG_LON[k] + (M_PER_DEG_LON[k + 1] - M_PER_DEG_LON[k]) * f / 1000000;
}

/* ------------------------------------------------------------ forces, towns */

typedef struct {
    const char *slug, *name;
    int wales;
} force_t;

enum {
    F_AVON, F_BEDS, F_CAMBS, F_CHESH, F_CITY, F_CLEVE, F_CUMB, F_DERBY, F_DEVON, F_DORSET, F_DURHAM, F_DYFED,
    F_ESSEX, F_GLOS, F_GMP, F_GWENT, F_HANTS, F_HERTS, F_HUMBER, F_KENT, F_LANCS, F_LEICS, F_LINCS, F_MERSEY,
    F_MET, F_NORFOLK, F_NWALES, F_NYORKS, F_NHANTS, F_NUMBRIA, F_NOTTS, F_SWALES, F_SYORKS, F_STAFFS, F_SUFFOLK,
    F_SURREY, F_SUSSEX, F_TVP, F_WARKS, F_WMERCIA, F_WMIDS, F_WYORKS, F_WILTS, N_FORCES
};

static const force_t FORCES[N_FORCES] = {
    {"avon-and-somerset", "Avon and Somerset Constabulary", 0},
    {"bedfordshire", "Bedfordshire Police", 0},
    {"cambridgeshire", "Cambridgeshire Constabulary", 0},
    {"cheshire", "Cheshire Constabulary", 0},
    {"city-of-london", "City of London Police", 0},
    {"cleveland", "Cleveland Police", 0},
    {"cumbria", "Cumbria Constabulary", 0},
    {"derbyshire", "Derbyshire Constabulary", 0},
    {"devon-and-cornwall", "Devon & Cornwall Police", 0},
    {"dorset", "Dorset Police", 0},
    {"durham", "Durham Constabulary", 0},
    {"dyfed-powys", "Dyfed-Powys Police", 1},
    {"essex", "Essex Police", 0},
    {"gloucestershire", "Gloucestershire Constabulary", 0},
    {"greater-manchester", "Greater Manchester Police", 0},
    {"gwent", "Gwent Police", 1},
    {"hampshire", "Hampshire Constabulary", 0},
    {"hertfordshire", "Hertfordshire Constabulary", 0},
    {"humberside", "Humberside Police", 0},
    {"kent", "Kent Police", 0},
    {"lancashire", "Lancashire Constabulary", 0},
    {"leicestershire", "Leicestershire Police", 0},
    {"lincolnshire", "Lincolnshire Police", 0},
    {"merseyside", "Merseyside Police", 0},
    {"metropolitan", "Metropolitan Police Service", 0},
    {"norfolk", "Norfolk Constabulary", 0},
    {"north-wales", "North Wales Police", 1},
    {"north-yorkshire", "North Yorkshire Police", 0},
    {"northamptonshire", "Northamptonshire Police", 0},
    {"northumbria", "Northumbria Police", 0},
    {"nottinghamshire", "Nottinghamshire Police", 0},
    {"south-wales", "South Wales Police", 1},
    {"south-yorkshire", "South Yorkshire Police", 0},
    {"staffordshire", "Staffordshire Police", 0},
    {"suffolk", "Suffolk Constabulary", 0},
    {"surrey", "Surrey Police", 0},
    {"sussex", "Sussex Police", 0},
    {"thames-valley", "Thames Valley Police", 0},
    {"warwickshire", "Warwickshire Police", 0},
    {"west-mercia", "West Mercia Police", 0},
    {"west-midlands", "West Midlands Police", 0},
    {"west-yorkshire", "West Yorkshire Police", 0},
    {"wiltshire", "Wiltshire Police", 0},
};

typedef struct {
    const char *name;
    int32_t lon, lat; /* thousandths of a degree */
    int32_t pop;      /* thousands (built-up area, roughly) */
    int force;
} town_t;

/* Towns and cities: at least one per force; in London, groups of boroughs.
 * Positions to about 1 km, populations rounded. */
static const town_t TOWNS[] = {
    {"Westminster", -135, 51505, 1400, F_MET},      {"Hackney", -55, 51548, 900, F_MET},
    {"Newham", 30, 51530, 800, F_MET},              {"Lambeth", -115, 51460, 900, F_MET},
    {"Croydon", -95, 51375, 700, F_MET},            {"Ealing", -310, 51512, 800, F_MET},
    {"Hounslow", -400, 51470, 600, F_MET},          {"Barnet", -200, 51615, 700, F_MET},
    {"Enfield", -75, 51648, 600, F_MET},            {"Bromley", 25, 51400, 600, F_MET},
    {"Birmingham", -1898, 52480, 1150, F_WMIDS},    {"Wolverhampton", -2128, 52586, 400, F_WMIDS},
    {"Coventry", -1510, 52408, 370, F_WMIDS},       {"Manchester", -2243, 53481, 1300, F_GMP},
    {"Bolton", -2429, 53578, 400, F_GMP},           {"Stockport", -2158, 53408, 300, F_GMP},
    {"Leeds", -1548, 53800, 800, F_WYORKS},         {"Bradford", -1752, 53795, 550, F_WYORKS},
    {"Liverpool", -2983, 53408, 900, F_MERSEY},     {"Sheffield", -1470, 53381, 700, F_SYORKS},
    {"Doncaster", -1133, 53523, 250, F_SYORKS},     {"Newcastle upon Tyne", -1614, 54978, 900, F_NUMBRIA},
    {"Darlington", -1553, 54524, 250, F_DURHAM},    {"Middlesbrough", -1235, 54575, 400, F_CLEVE},
    {"Carlisle", -2935, 54893, 110, F_CUMB},        {"Barrow-in-Furness", -3227, 54111, 70, F_CUMB},
    {"Preston", -2700, 53763, 400, F_LANCS},        {"Blackpool", -3050, 53817, 250, F_LANCS},
    {"Chester", -2891, 53193, 120, F_CHESH},        {"Warrington", -2595, 53390, 210, F_CHESH},
    {"York", -1082, 53960, 210, F_NYORKS},          {"Scarborough", -400, 54283, 60, F_NYORKS},
    {"Kingston upon Hull", -336, 53745, 320, F_HUMBER}, {"Grimsby", -80, 53565, 150, F_HUMBER},
    {"Lincoln", -540, 53230, 130, F_LINCS},         {"Boston", -26, 52977, 70, F_LINCS},
    {"Nottingham", -1150, 52954, 750, F_NOTTS},     {"Derby", -1476, 52922, 280, F_DERBY},
    {"Leicester", -1133, 52636, 550, F_LEICS},      {"Stoke-on-Trent", -2180, 53003, 400, F_STAFFS},
    {"Shrewsbury", -2753, 52707, 75, F_WMERCIA},    {"Worcester", -2220, 52192, 100, F_WMERCIA},
    {"Hereford", -2716, 52057, 60, F_WMERCIA},      {"Leamington Spa", -1535, 52290, 150, F_WARKS},
    {"Northampton", -893, 52240, 230, F_NHANTS},    {"Cambridge", 120, 52205, 160, F_CAMBS},
    {"Peterborough", -243, 52573, 200, F_CAMBS},    {"Norwich", 1297, 52630, 220, F_NORFOLK},
    {"King's Lynn", 398, 52754, 45, F_NORFOLK},     {"Ipswich", 1155, 52059, 180, F_SUFFOLK},
    {"Chelmsford", 470, 51736, 120, F_ESSEX},       {"Southend-on-Sea", 711, 51545, 300, F_ESSEX},
    {"Colchester", 902, 51890, 130, F_ESSEX},       {"Watford", -396, 51656, 200, F_HERTS},
    {"Luton", -420, 51880, 260, F_BEDS},            {"Reading", -973, 51455, 320, F_TVP},
    {"Oxford", -1258, 51752, 160, F_TVP},           {"Milton Keynes", -760, 52040, 250, F_TVP},
    {"Maidstone", 522, 51272, 110, F_KENT},         {"Chatham", 527, 51380, 280, F_KENT},
    {"Canterbury", 1080, 51280, 60, F_KENT},        {"Guildford", -573, 51236, 150, F_SURREY},
    {"Brighton and Hove", -140, 50835, 300, F_SUSSEX}, {"Crawley", -190, 51110, 110, F_SUSSEX},
    {"Southampton", -1404, 50909, 300, F_HANTS},    {"Portsmouth", -1087, 50805, 400, F_HANTS},
    {"Bournemouth", -1880, 50720, 420, F_DORSET},   {"Swindon", -1781, 51558, 200, F_WILTS},
    {"Gloucester", -2245, 51865, 250, F_GLOS},      {"Bristol", -2588, 51455, 700, F_AVON},
    {"Taunton", -3101, 51015, 65, F_AVON},          {"Plymouth", -4142, 50376, 260, F_DEVON},
    {"Exeter", -3533, 50726, 130, F_DEVON},         {"Truro", -5051, 50263, 60, F_DEVON},
    {"Cardiff", -3179, 51481, 450, F_SWALES},       {"Swansea", -3944, 51621, 300, F_SWALES},
    {"Newport", -2998, 51585, 150, F_GWENT},        {"Carmarthen", -4306, 51857, 40, F_DYFED},
    {"Aberystwyth", -4082, 52415, 20, F_DYFED},     {"Newtown", -3314, 52513, 15, F_DYFED},
    {"Haverfordwest", -4969, 51801, 15, F_DYFED},   {"Wrexham", -2993, 53046, 65, F_NWALES},
    {"Bangor", -4129, 53228, 20, F_NWALES},
};
#define N_TOWNS ((int)N_ELEMS(TOWNS))
#define TOWN_CITY N_TOWNS /* the City of London, not a cluster: see CITY_* */

/* The London boroughs' weights are scaled by this (per mille): the towns
 * above hold only about a third of the population outside London, so with
 * weight = population London would hold about 24% of the rows; police.uk
 * has about 16% in the Metropolitan Police's files (this gives 16.5%). */
#define LONDON_WEIGHT_PERMILLE 620

/* The City of London: cells whose centre is in this box (micro-degrees). */
#define CITY_LON_MIN (-113000)
#define CITY_LON_MAX (-73000)
#define CITY_LAT_MIN 51509000
#define CITY_LAT_MAX 51522000

/* LSOA-like cells: about 1 km (0.0147 x 0.009 degrees) from 6.2 W, 49.8 N. */
#define CELL_LON0 (-6200000)
#define CELL_LAT0 49800000
#define CELL_DLON 14700
#define CELL_DLAT 9000
#define CELL_COLS 560

#define BACKGROUND_PERMILLE 150

/* ------------------------------------------------------------ attributes */

static const char *const CRIME_TYPES[] = {
    "Violence and sexual offences", "Anti-social behaviour", "Public order", "Criminal damage and arson",
    "Other theft", "Shoplifting", "Vehicle crime", "Burglary", "Drugs", "Other crime", "Theft from the person",
    "Robbery", "Bicycle theft", "Possession of weapons",
};
/* cumulative per 10,000: 32.3, 20, 8, 8, 6, 6, 6, 4.5, 3, 2, 1.5, 1, 1, 0.7 % */
static const int CRIME_CUM[] = {3230, 5230, 6030, 6830, 7430, 8030, 8630, 9080, 9380, 9580, 9730, 9830, 9930, 10000};
#define TYPE_ASB 1

static const char *const OUTCOMES[] = {
    "Investigation complete; no suspect identified",
    "Unable to prosecute suspect",
    "Under investigation",
    "Status update unavailable",
    "Awaiting court outcome",
    "Court result unavailable",
    "Local resolution",
    "Offender given a caution",
    "Further investigation is not in the public interest",
    "Action to be taken by another organisation",
    "Formal action is not in the public interest",
    "Offender given a drugs possession warning",
};
static const int OUTCOME_CUM[] = {420, 740, 800, 850, 880, 905, 935, 955, 970, 980, 990, 1000};

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
    "Westbourne", "Willow",   "Windsor",   "Woodland",   "York",      "High",      "Market",
    "Bridge",    "Castle",    "Manor",     "Meadow",     "New",       "Old",       "West",
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

/* Seasonal offsets per calendar month, Jan..Dec, per mille of 1000. */
static const int SEASON[12] = {-20, -60, 0, -10, 20, 20, 40, 20, 10, 20, 0, -40};

/* ------------------------------------------------------------ the model */

typedef struct {
    int32_t lon, lat; /* micro-degrees */
    int32_t x, y;     /* --bng: centimetres */
    int32_t cell;     /* LSOA-like cell number */
    uint8_t town;     /* the cell's town (TOWN_CITY for the City) */
    uint8_t force;
} loc_t;

static loc_t *locs;
typedef struct {
    uint64_t prob; /* slot j keeps itself when u < prob, u uniform in [0, alias_total) */
    uint32_t idx;  /* else it goes to this location */
} alias_t;
static alias_t *alias;
static uint64_t alias_total;

static int64_t town_sig_lon[N_TOWNS], town_sig_lat[N_TOWNS], town_cum[N_TOWNS];

static int nearest_town(int64_t x, int64_t y, int is_wales)
{
    if (x >= CITY_LON_MIN && x <= CITY_LON_MAX && y >= CITY_LAT_MIN && y <= CITY_LAT_MAX)
        return TOWN_CITY;
    int64_t mlon = m_per_deg_lon(y);
    int best = -1;
    int64_t best_d = INT64_MAX;
    for (int t = 0; t < N_TOWNS; t++) {
        if (FORCES[TOWNS[t].force].wales != is_wales)
            continue;
        int64_t dx = (x - (int64_t)TOWNS[t].lon * 1000) * mlon / 1000000;
        int64_t dy = (y - (int64_t)TOWNS[t].lat * 1000) * M_PER_DEG_LAT / 1000000;
        int64_t d = dx * dx + dy * dy;
        if (d < best_d) {
            best_d = d;
            best = t;
        }
    }
    return best;
}

/* WGS84 lon/lat (degrees) -> British National Grid (metres): Helmert
 * WGS84 -> OSGB36 (the Ordnance Survey's 7 parameters, about 5 m), then
 * Airy 1830 Transverse Mercator by the OS's series ("A guide to
 * coordinate systems in Great Britain", annex C). */
static void to_bng(double lon_deg, double lat_deg, double *E, double *N)
{
    const double pi = 3.14159265358979323846, d2r = pi / 180.0;
    /* WGS84 geodetic -> ECEF (height 0) */
    double a = 6378137.0, b = 6356752.3141, e2 = (a * a - b * b) / (a * a);
    double phi = lat_deg * d2r, lam = lon_deg * d2r;
    double sp = sin(phi), cp = cos(phi);
    double nu = a / sqrt(1 - e2 * sp * sp);
    double X = nu * cp * cos(lam), Y = nu * cp * sin(lam), Z = (1 - e2) * nu * sp;
    /* Helmert WGS84 -> OSGB36 */
    double tx = -446.448, ty = 125.157, tz = -542.060, s = 20.4894e-6;
    double rx = -0.1502 / 3600 * d2r, ry = -0.2470 / 3600 * d2r, rz = -0.8421 / 3600 * d2r;
    double X2 = tx + (1 + s) * X - rz * Y + ry * Z;
    double Y2 = ty + rz * X + (1 + s) * Y - rx * Z;
    double Z2 = tz - ry * X + rx * Y + (1 + s) * Z;
    /* ECEF -> Airy 1830 geodetic */
    a = 6377563.396;
    b = 6356256.909;
    e2 = (a * a - b * b) / (a * a);
    double p = sqrt(X2 * X2 + Y2 * Y2);
    phi = atan2(Z2, p * (1 - e2));
    for (int k = 0; k < 10; k++) {
        sp = sin(phi);
        nu = a / sqrt(1 - e2 * sp * sp);
        phi = atan2(Z2 + e2 * nu * sp, p);
    }
    lam = atan2(Y2, X2);
    /* Transverse Mercator, National Grid */
    const double F0 = 0.9996012717, phi0 = 49.0 * d2r, lam0 = -2.0 * d2r, E0 = 400000.0, N0 = -100000.0;
    double n = (a - b) / (a + b), n2 = n * n, n3 = n2 * n;
    sp = sin(phi);
    cp = cos(phi);
    double tp = tan(phi), t2 = tp * tp, t4 = t2 * t2;
    nu = a * F0 / sqrt(1 - e2 * sp * sp);
    double rho = a * F0 * (1 - e2) / pow(1 - e2 * sp * sp, 1.5);
    double eta2 = nu / rho - 1;
    double dp = phi - phi0, sp2 = phi + phi0;
    double M = b * F0 *
               ((1 + n + 1.25 * n2 + 1.25 * n3) * dp - (3 * n + 3 * n2 + 21.0 / 8 * n3) * sin(dp) * cos(sp2) +
                (15.0 / 8 * n2 + 15.0 / 8 * n3) * sin(2 * dp) * cos(2 * sp2) -
                35.0 / 24 * n3 * sin(3 * dp) * cos(3 * sp2));
    double c3 = cp * cp * cp, c5 = c3 * cp * cp;
    double I = M + N0;
    double II = nu / 2 * sp * cp;
    double III = nu / 24 * sp * c3 * (5 - t2 + 9 * eta2);
    double IIIA = nu / 720 * sp * c5 * (61 - 58 * t2 + t4);
    double IV = nu * cp;
    double V = nu / 6 * c3 * (nu / rho - t2);
    double VI = nu / 120 * c5 * (5 - 18 * t2 + t4 + 14 * eta2 - 58 * t2 * eta2);
    double L = lam - lam0, L2 = L * L;
    *N = I + II * L2 + III * L2 * L2 + IIIA * L2 * L2 * L2;
    *E = E0 + IV * L + V * L2 * L + VI * L2 * L2 * L;
}

static int64_t round_cm(double m) { return (int64_t)floor(m * 100.0 + 0.5); }

static int32_t bbox_x0, bbox_x1, bbox_y0, bbox_y1;

static void build_geography(void)
{
    land[0] = ring_make(MAINLAND, (int)N_ELEMS(MAINLAND));
    land[1] = ring_make(ANGLESEY, (int)N_ELEMS(ANGLESEY));
    land[2] = ring_make(WIGHT, (int)N_ELEMS(WIGHT));
    wales = ring_make(WALES, (int)N_ELEMS(WALES));
    bbox_x0 = bbox_y0 = INT32_MAX;
    bbox_x1 = bbox_y1 = INT32_MIN;
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < land[k].n; i++) {
            bbox_x0 = land[k].x[i] < bbox_x0 ? land[k].x[i] : bbox_x0;
            bbox_x1 = land[k].x[i] > bbox_x1 ? land[k].x[i] : bbox_x1;
            bbox_y0 = land[k].y[i] < bbox_y0 ? land[k].y[i] : bbox_y0;
            bbox_y1 = land[k].y[i] > bbox_y1 ? land[k].y[i] : bbox_y1;
        }
    /* the tables must agree with the outline and the border */
    for (int t = 0; t < N_TOWNS; t++) {
        int64_t x = (int64_t)TOWNS[t].lon * 1000, y = (int64_t)TOWNS[t].lat * 1000;
        if (!on_land(x, y) || ring_inside(&wales, x, y) != FORCES[TOWNS[t].force].wales) {
            fprintf(stderr, "gen_national: internal error: town '%s' is %s\n", TOWNS[t].name,
                    on_land(x, y) ? "on the wrong side of the England-Wales border" : "outside the outline");
            exit(2);
        }
    }
}

static void build_towns(void)
{
    int64_t acc = 0;
    for (int t = 0; t < N_TOWNS; t++) {
        int64_t sigma_m = 4 * isqrt64((int64_t)TOWNS[t].pop * 1000);
        town_sig_lat[t] = sigma_m * 1000000 / M_PER_DEG_LAT;
        town_sig_lon[t] = sigma_m * 1000000 / m_per_deg_lon((int64_t)TOWNS[t].lat * 1000);
        int64_t w = (int64_t)TOWNS[t].pop * 1000;
        if (TOWNS[t].force == F_MET)
            w = w * LONDON_WEIGHT_PERMILLE / 1000;
        acc += w;
        town_cum[t] = acc;
    }
}

static int pick_town(rng_t *r)
{
    int64_t x = (int64_t)rng_below(r, (uint64_t)town_cum[N_TOWNS - 1]);
    int lo = 0, hi = N_TOWNS - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (x < town_cum[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("gen_national: out of memory\n", stderr);
        exit(1);
    }
    return p;
}

static void build_locations(uint64_t seed, uint32_t nloc, int bng)
{
    rng_t r;
    rng_seed(&r, seed, 1);
    locs = xmalloc(sizeof(loc_t) * nloc);
    uint64_t *w = xmalloc(sizeof(uint64_t) * nloc);
    alias_total = 0;
    for (uint32_t j = 0; j < nloc; j++) {
        int64_t x, y;
        int background = (int)rng_below(&r, 1000) < BACKGROUND_PERMILLE;
        if (background) {
            do {
                x = bbox_x0 + (int64_t)rng_below(&r, (uint64_t)(bbox_x1 - bbox_x0 + 1));
                y = bbox_y0 + (int64_t)rng_below(&r, (uint64_t)(bbox_y1 - bbox_y0 + 1));
            } while (!on_land(x, y));
        } else {
            int t = pick_town(&r);
            do {
                x = (int64_t)TOWNS[t].lon * 1000 + gauss_scaled(&r, town_sig_lon[t]);
                y = (int64_t)TOWNS[t].lat * 1000 + gauss_scaled(&r, town_sig_lat[t]);
            } while (!on_land(x, y));
        }
        loc_t *l = &locs[j];
        l->lon = (int32_t)x;
        l->lat = (int32_t)y;
        int64_t ci = (x - CELL_LON0) / CELL_DLON, cj = (y - CELL_LAT0) / CELL_DLAT;
        l->cell = (int32_t)(cj * CELL_COLS + ci + 1);
        int64_t cx = CELL_LON0 + ci * CELL_DLON + CELL_DLON / 2, cy = CELL_LAT0 + cj * CELL_DLAT + CELL_DLAT / 2;
        int t = nearest_town(cx, cy, ring_inside(&wales, cx, cy));
        l->town = (uint8_t)t;
        l->force = (uint8_t)(t == TOWN_CITY ? F_CITY : TOWNS[t].force);
        if (bng) {
            double E, N;
            to_bng((double)x / 1e6, (double)y / 1e6, &E, &N);
            l->x = (int32_t)round_cm(E);
            l->y = (int32_t)round_cm(N);
        } else {
            l->x = l->y = 0;
        }
        /* heavy-tailed weight: 2^g (1 + u), g geometric with P(g >= k) =
         * 4^-k, so P(weight > v) ~ v^-2; g capped at 20 in towns, at 4 in
         * the countryside (the hottest places are in towns) */
        int g = 0, g_max = background ? 4 : 20;
        while (g < g_max && rng_below(&r, 4) == 0)
            g++;
        w[j] = ((uint64_t)1024 + rng_below(&r, 1024)) << g;
        alias_total += w[j];
    }
    /* Walker's alias table in integers: slot j keeps itself when a uniform
     * u in [0, total) is below prob[j], else goes to alias[j]. Scaled
     * weights w * nloc are compared with total. */
    alias = xmalloc(sizeof(alias_t) * nloc);
    uint32_t *small = xmalloc(sizeof(uint32_t) * nloc), *large = xmalloc(sizeof(uint32_t) * nloc);
    uint32_t ns = 0, nl = 0;
    for (uint32_t j = 0; j < nloc; j++) {
        w[j] *= nloc;
        if (w[j] < alias_total)
            small[ns++] = j;
        else
            large[nl++] = j;
    }
    while (ns && nl) {
        uint32_t s = small[--ns], g = large[nl - 1];
        alias[s].prob = w[s];
        alias[s].idx = g;
        w[g] -= alias_total - w[s];
        if (w[g] < alias_total) {
            nl--;
            small[ns++] = g;
        }
    }
    while (nl) {
        uint32_t g = large[--nl];
        alias[g].prob = alias_total;
        alias[g].idx = g;
    }
    while (ns) { /* only by rounding; cannot happen with exact integers */
        uint32_t s = small[--ns];
        alias[s].prob = alias_total;
        alias[s].idx = s;
    }
    free(small);
    free(large);
    free(w);
}


/* The month sequence: month k (0 .. months-1) appears 1000 + SEASON[cal]
 * times in a fixed shuffled period; row i's month is period[i % len]. */
static uint16_t *period;
static uint32_t period_len;

static void build_months(uint64_t seed, int months, int from_mon)
{
    period_len = 0;
    for (int k = 0; k < months; k++)
        period_len += (uint32_t)(1000 + SEASON[(from_mon - 1 + k) % 12]);
    period = xmalloc(sizeof(uint16_t) * period_len);
    uint32_t p = 0;
    for (int k = 0; k < months; k++)
        for (int c = 0; c < 1000 + SEASON[(from_mon - 1 + k) % 12]; c++)
            period[p++] = (uint16_t)k;
    rng_t r;
    rng_seed(&r, seed, 2);
    for (uint32_t i = period_len - 1; i > 0; i--) {
        uint32_t j = (uint32_t)rng_below(&r, (uint64_t)i + 1);
        uint16_t t = period[i];
        period[i] = period[j];
        period[j] = t;
    }
}

/* ------------------------------------------------------------ output */

typedef struct {
    FILE *f;
    char *buf;
    size_t len, cap;
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

static const char HEADER_LONLAT[] = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,"
                                    "LSOA code,LSOA name,Crime type,Last outcome category,Context\n";
static const char HEADER_BNG[] = "Crime ID,Month,Reported by,Falls within,X,Y,Location,"
                                 "LSOA code,LSOA name,Crime type,Last outcome category,Context\n";

typedef struct {
    uint64_t seed;
    uint32_t nloc;
    int from_year, from_mon;
    int bng;
} run_t;

#ifdef __GNUC__
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)0)
#endif

/* Row i is drawn from its own random stream: first its location, by the
 * alias table (rows_begin), then the rest (row_text, which formats it into
 * o). The locations of a batch of rows are drawn in stages so that the
 * random reads of the tables overlap (the numbers drawn are the same as
 * one row at a time). */
#define BATCH 64

static void rows_begin(const run_t *run, const uint64_t *is, int cnt, rng_t *rs, uint32_t *js)
{
    uint64_t u[BATCH];
    for (int b = 0; b < cnt; b++) {
        rng_seed(&rs[b], run->seed, UINT64_C(1000) + is[b]);
        js[b] = (uint32_t)rng_below(&rs[b], run->nloc);
        u[b] = rng_below(&rs[b], alias_total);
        PREFETCH(&alias[js[b]]);
    }
    for (int b = 0; b < cnt; b++) {
        const alias_t *a = &alias[js[b]];
        js[b] = u[b] < a->prob ? js[b] : a->idx;
        PREFETCH(&locs[js[b]]);
    }
}

static void row_text(const run_t *run, uint64_t i, rng_t *r, uint32_t j, out_t *o)
{
    int k = period[i % period_len];
    const loc_t *l = &locs[j];
    int type = 0;
    {
        int x = (int)rng_below(r, 10000);
        while (x >= CRIME_CUM[type])
            type++;
    }
    int outcome = 0;
    {
        int x = (int)rng_below(r, 1000);
        while (x >= OUTCOME_CUM[outcome])
            outcome++;
    }
    uint64_t id[4];
    for (int q = 0; q < 4; q++)
        id[q] = rng_next(r);

    int mon0 = run->from_mon - 1 + k;
    if (type != TYPE_ASB)
        for (int q = 0; q < 4; q++)
            out_hex64(o, id[q]);
    out_char(o, ',');
    out_uint(o, (uint64_t)(run->from_year + mon0 / 12), 4);
    out_char(o, '-');
    out_uint(o, (uint64_t)(mon0 % 12 + 1), 2);
    out_char(o, ',');
    const char *fname = FORCES[l->force].name;
    out_str(o, fname);
    out_char(o, ',');
    out_str(o, fname);
    out_char(o, ',');
    if (run->bng) {
        out_cm(o, l->x);
        out_char(o, ',');
        out_cm(o, l->y);
    } else {
        out_micro(o, l->lon);
        out_char(o, ',');
        out_micro(o, l->lat);
    }
    out_str(o, ",On or near ");
    uint64_t hs = hash3(run->seed, (int64_t)j, 0, 11);
    if (hs % 40 == 0) {
        out_str(o, PLACES[(hs >> 8) % N_ELEMS(PLACES)]);
    } else {
        out_str(o, STREET_STEMS[(hs >> 8) % N_ELEMS(STREET_STEMS)]);
        out_char(o, ' ');
        out_str(o, STREET_SUFFIXES[(hs >> 24) % N_ELEMS(STREET_SUFFIXES)]);
    }
    out_str(o, FORCES[l->force].wales ? ",W01" : ",E01");
    out_uint(o, (uint64_t)l->cell, 6);
    out_char(o, ',');
    out_str(o, l->town == TOWN_CITY ? "City of London" : TOWNS[l->town].name);
    out_char(o, ' ');
    uint64_t hc = hash3(run->seed, l->cell, 1, 13);
    out_uint(o, 1 + hc % 150, 3);
    out_char(o, (char)('A' + (hc >> 16) % 5));
    out_char(o, ',');
    out_str(o, CRIME_TYPES[type]);
    out_char(o, ',');
    if (type != TYPE_ASB)
        out_str(o, OUTCOMES[outcome]);
    out_str(o, ",\n");
}

#define ROW_MAX 512 /* longest row, with room */

static int write_stream(const run_t *run, uint64_t n)
{
    static char buf[1 << 22];
    out_t o = {stdout, buf, 0, sizeof(buf), 0};
    out_str(&o, run->bng ? HEADER_BNG : HEADER_LONLAT);
    rng_t rs[BATCH];
    uint32_t js[BATCH];
    uint64_t is[BATCH];
    for (uint64_t i0 = 0; i0 < n && !o.err; i0 += BATCH) {
        int cnt = n - i0 < BATCH ? (int)(n - i0) : BATCH;
        for (int b = 0; b < cnt; b++)
            is[b] = i0 + (uint64_t)b;
        rows_begin(run, is, cnt, rs, js);
        for (int b = 0; b < cnt; b++) {
            if (o.len > o.cap - ROW_MAX)
                out_flush(&o);
            row_text(run, is[b], &rs[b], js[b], &o);
        }
    }
    out_flush(&o);
    if (!o.err && fflush(stdout) != 0)
        o.err = errno ? errno : EIO;
    if (o.err) {
        fprintf(stderr, "gen_national: write error on stdout: %s\n", strerror(o.err));
        return 1;
    }
    return 0;
}

static int make_dir(const char *path)
{
    if (mkdir(path, 0777) == 0 || errno == EEXIST)
        return 0;
    fprintf(stderr, "gen_national: cannot create directory '%s': %s\n", path, strerror(errno));
    return 1;
}

/* Opens DIR/YYYY-MM/YYYY-MM-<force>-street.csv (and its month folder at
 * the month's first file) and starts it with the header. */
static int open_force_file(const run_t *run, out_t *o, const char *dir, int year, int mon, int force,
                           int *dir_made)
{
    size_t plen = strlen(dir) + 64;
    char *path = xmalloc(plen);
    int rc = 0;
    snprintf(path, plen, "%s/%04d-%02d", dir, year, mon);
    if (!*dir_made) {
        rc = make_dir(path);
        *dir_made = !rc;
    }
    if (!rc) {
        snprintf(path, plen, "%s/%04d-%02d/%04d-%02d-%s-street.csv", dir, year, mon, year, mon, FORCES[force].slug);
        o->f = fopen(path, "wb");
        if (!o->f) {
            fprintf(stderr, "gen_national: cannot open '%s': %s\n", path, strerror(errno));
            rc = 1;
        } else {
            o->err = 0;
            out_str(o, run->bng ? HEADER_BNG : HEADER_LONLAT);
        }
    }
    free(path);
    return rc;
}

/* -o DIR: month by month; within a month, the rows in stream order, each
 * to its force's file (opened at its first row). */
static int write_dirs(const run_t *run, uint64_t n, int months, const char *dir)
{
    if (make_dir(dir))
        return 1;
    /* offsets of each month's entries in the period, ascending */
    uint32_t *start = xmalloc(sizeof(uint32_t) * ((size_t)months + 1));
    uint32_t *offs = xmalloc(sizeof(uint32_t) * period_len);
    memset(start, 0, sizeof(uint32_t) * ((size_t)months + 1));
    for (uint32_t p = 0; p < period_len; p++)
        start[period[p] + 1]++;
    for (int k = 0; k < months; k++)
        start[k + 1] += start[k];
    {
        uint32_t *fill = xmalloc(sizeof(uint32_t) * (size_t)months);
        memcpy(fill, start, sizeof(uint32_t) * (size_t)months);
        for (uint32_t p = 0; p < period_len; p++)
            offs[fill[period[p]]++] = p;
        free(fill);
    }
    static out_t outs[N_FORCES];
    const size_t cap = (size_t)1 << 18;
    for (int f = 0; f < N_FORCES; f++) {
        outs[f].buf = xmalloc(cap);
        outs[f].cap = cap;
    }
    rng_t rs[BATCH];
    uint32_t js[BATCH];
    uint64_t is[BATCH];
    int rc = 0;
    for (int k = 0; k < months && !rc; k++) {
        int mon0 = run->from_mon - 1 + k, year = run->from_year + mon0 / 12, mon = mon0 % 12 + 1;
        int dir_made = 0;
        /* row i = base + offs[q] for the month's q, base = 0, len, 2 len, ... */
        for (uint64_t base = 0; base < n && !rc; base += period_len) {
            uint32_t q = start[k];
            while (!rc) {
                int cnt = 0;
                while (cnt < BATCH && q < start[k + 1] && base + offs[q] < n)
                    is[cnt++] = base + offs[q++];
                if (cnt == 0)
                    break;
                rows_begin(run, is, cnt, rs, js);
                for (int b = 0; b < cnt && !rc; b++) {
                    int force = locs[js[b]].force;
                    out_t *o = &outs[force];
                    if (!o->f && (rc = open_force_file(run, o, dir, year, mon, force, &dir_made)) != 0)
                        break;
                    if (o->len > o->cap - ROW_MAX)
                        out_flush(o);
                    row_text(run, is[b], &rs[b], js[b], o);
                }
            }
        }
        for (int f = 0; f < N_FORCES; f++) {
            out_t *o = &outs[f];
            if (!o->f)
                continue;
            out_flush(o);
            if (fclose(o->f) != 0 && !o->err)
                o->err = errno ? errno : EIO;
            o->f = NULL;
            if (o->err && !rc) {
                fprintf(stderr, "gen_national: write error in '%s/%04d-%02d' (%s): %s\n", dir, year, mon,
                        FORCES[f].slug, strerror(o->err));
                rc = 1;
            }
        }
    }
    for (int f = 0; f < N_FORCES; f++)
        free(outs[f].buf);
    free(offs);
    free(start);
    return rc;
}

/* --outline: the land rings as a WKT MULTIPOLYGON in degrees. */
static void print_outline(void)
{
    static out_t o;
    static char buf[1 << 16];
    o.f = stdout;
    o.buf = buf;
    o.cap = sizeof(buf);
    out_str(&o, "MULTIPOLYGON (");
    for (int k = 0; k < 3; k++) {
        out_str(&o, k ? ",((" : "((");
        for (int i = 0; i <= land[k].n; i++) {
            int q = i % land[k].n;
            if (i)
                out_char(&o, ',');
            out_micro(&o, land[k].x[q]);
            out_char(&o, ' ');
            out_micro(&o, land[k].y[q]);
        }
        out_str(&o, "))");
    }
    out_str(&o, ")\n");
    out_flush(&o);
    fflush(stdout);
}

/* ------------------------------------------------------------ main */

static void usage(FILE *f)
{
    fputs("usage: gen_national [-n N] [--months M] [--from YYYY-MM] [--seed S] [--locations L] [--bng]\n"
          "                    [-o DIR|-]\n"
          "       gen_national --outline\n"
          "  Writes N synthetic street-level crimes over England and Wales in police.uk's CSV format.\n"
          "  -n N           number of rows (suffixes k, M allowed: 200k, 5M; default 60M)\n"
          "  --months M     months covered (default 120)\n"
          "  --from YYYY-MM first month (default 2015-01)\n"
          "  --seed S       unsigned 64-bit seed (default 42)\n"
          "  --locations L  number of snap locations (default 750000)\n"
          "  --bng          columns X,Y in British National Grid metres (EPSG:27700) instead of\n"
          "                 Longitude,Latitude\n"
          "  -o DIR         police.uk's archive layout: DIR/YYYY-MM/YYYY-MM-<force>-street.csv\n"
          "  -o -           one CSV stream with one header on stdout (default)\n"
          "  --outline      print the land outline (WKT, lon/lat degrees) and exit\n"
          "  Example: gen_national -n 200k -o /tmp/national && safemap info /tmp/national/2015-01\n",
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
    uint64_t n = 60000000, seed = 42, months = 120, nloc = 750000;
    int from_year = 2015, from_mon = 1, bng = 0, outline = 0;
    const char *path = "-";

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(a, "--bng")) {
            bng = 1;
            continue;
        }
        if (!strcmp(a, "--outline")) {
            outline = 1;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "gen_national: %s needs a value\n", a);
            usage(stderr);
            return 1;
        }
        const char *v = argv[++i];
        if (!strcmp(a, "-n")) {
            if (parse_count(v, &n)) {
                fprintf(stderr, "gen_national: bad -n value '%s'\n", v);
                return 1;
            }
        } else if (!strcmp(a, "--seed")) {
            if (parse_count(v, &seed)) {
                fprintf(stderr, "gen_national: bad --seed value '%s'\n", v);
                return 1;
            }
        } else if (!strcmp(a, "--months")) {
            if (parse_count(v, &months) || months < 1 || months > 1200) {
                fprintf(stderr, "gen_national: bad --months value '%s' (1 to 1200)\n", v);
                return 1;
            }
        } else if (!strcmp(a, "--locations")) {
            if (parse_count(v, &nloc) || nloc < 1 || nloc > 100000000) {
                fprintf(stderr, "gen_national: bad --locations value '%s' (1 to 100M)\n", v);
                return 1;
            }
        } else if (!strcmp(a, "--from")) {
            if (strlen(v) != 7 || v[4] != '-' || sscanf(v, "%4d-%2d", &from_year, &from_mon) != 2 ||
                from_year < 1000 || from_mon < 1 || from_mon > 12) {
                fprintf(stderr, "gen_national: bad --from value '%s' (want YYYY-MM)\n", v);
                return 1;
            }
        } else if (!strcmp(a, "-o")) {
            path = v;
        } else {
            fprintf(stderr, "gen_national: unknown option '%s'\n", a);
            usage(stderr);
            return 1;
        }
    }
    if (from_year + (from_mon - 1 + (int)months - 1) / 12 > 9999) {
        fprintf(stderr, "gen_national: --from and --months go past the year 9999\n");
        return 1;
    }

    build_geography();
    if (outline) {
        print_outline();
        return 0;
    }
    build_towns();
    build_locations(seed, (uint32_t)nloc, bng);
    build_months(seed, (int)months, from_mon);
    run_t run = {seed, (uint32_t)nloc, from_year, from_mon, bng};
    if (!strcmp(path, "-"))
        return write_stream(&run, n);
    return write_dirs(&run, n, (int)months, path);
}
