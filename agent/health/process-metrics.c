/* SPDX-License-Identifier: MIT */
#include "process-metrics.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "../basic/cleanup.h"
#include "../basic/fileio.h"
#include "../basic/parse.h"

#define STATM_MAX 256

/* When the process started: taken before main(), so it is the exec time to
 * within microseconds, without parsing /proc/self/stat's starttime. */
static double start_time;

__attribute__((constructor)) static void record_start_time(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        start_time = (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

int statm_parse(const char *s, uint64_t *ret_size_pages, uint64_t *ret_resident_pages) {
        _cleanup_strv_free_ char **words = NULL;
        uint64_t size, resident;

        if (split_words(s, &words) < 0)
                return -ENOMEM;
        /* Seven fields: size resident shared text lib data dt (proc(5)). */
        if (strv_length(words) != 7 || safe_atou64(words[0], &size) < 0 ||
            safe_atou64(words[1], &resident) < 0 || resident > size)
                return -EINVAL;
        *ret_size_pages = size;
        *ret_resident_pages = resident;
        return 0;
}

static int read_statm(struct process_figures *p) {
        _cleanup_close_ int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC | O_NOCTTY); /* root-context: exempt (this process, not the node) */
        _cleanup_free_ char *s = NULL;
        uint64_t size, resident;
        long page = sysconf(_SC_PAGESIZE);
        size_t n;
        int r;

        if (fd < 0)
                return -errno;
        r = read_fd_capped(fd, STATM_MAX, &s, &n);
        if (r < 0)
                return r;
        r = statm_parse(s, &size, &resident);
        if (r < 0)
                return r;
        p->virtual_bytes = size * (uint64_t) page;
        p->resident_bytes = resident * (uint64_t) page;
        return 0;
}

static int count_fds(uint64_t *ret) {
        DIR *d = opendir("/proc/self/fd"); /* root-context: exempt (this process, not the node) */
        struct dirent *de;
        uint64_t n = 0;

        if (!d)
                return -errno;
        while ((de = readdir(d)))
                if (de->d_name[0] != '.')
                        n++;
        closedir(d);
        *ret = n > 0 ? n - 1 : 0;       /* not the directory's own fd */
        return 0;
}

void process_figures_sample(struct process_figures *ret) {
        struct process_figures p = { .start_time = start_time };
        struct rusage ru;
        struct rlimit rl;

        if (getrusage(RUSAGE_SELF, &ru) == 0)
                p.cpu_seconds = (double) ru.ru_utime.tv_sec + (double) ru.ru_utime.tv_usec / 1e6 +
                                (double) ru.ru_stime.tv_sec + (double) ru.ru_stime.tv_usec / 1e6;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
                p.max_fds = rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : (uint64_t) rl.rlim_cur;
        p.err = read_statm(&p);
        p.fds_err = count_fds(&p.open_fds);
        *ret = p;
}

static void family(FILE *f, const char *name, const char *type, const char *help) {
        fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void process_metrics_render(FILE *f, const struct process_figures *p) {
        family(f, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.");
        fprintf(f, "process_cpu_seconds_total %.6f\n", p->cpu_seconds);
        if (p->err >= 0) {
                family(f, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
                fprintf(f, "process_resident_memory_bytes %" PRIu64 "\n", p->resident_bytes);
                family(f, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.");
                fprintf(f, "process_virtual_memory_bytes %" PRIu64 "\n", p->virtual_bytes);
        }
        if (p->fds_err >= 0) {
                family(f, "process_open_fds", "gauge", "Number of open file descriptors.");
                fprintf(f, "process_open_fds %" PRIu64 "\n", p->open_fds);
        }
        family(f, "process_max_fds", "gauge", "Maximum number of open file descriptors.");
        fprintf(f, "process_max_fds %" PRIu64 "\n", p->max_fds);
        family(f, "process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.");
        fprintf(f, "process_start_time_seconds %.3f\n", p->start_time);
}
