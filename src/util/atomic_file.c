/* atomic_file.c - see atomic_file.h. */
#include "util/atomic_file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define IOBUF_SIZE (1u << 20)

int pd_outfile_open(pd_outfile *f, const char *path, pd_error *err)
{
    memset(f, 0, sizeof *f);
    f->iobuf = malloc(IOBUF_SIZE);
    if (!f->iobuf)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    if (!path || strcmp(path, "-") == 0) {
        /* A stream of our own on a duplicate of fd 1, so that its buffer and
         * its close are ours and stdout's own state is untouched. */
        fflush(stdout);
        int fd = dup(STDOUT_FILENO);
        if (fd < 0 || !(f->fp = fdopen(fd, "w"))) {
            int e = errno;
            if (fd >= 0)
                close(fd);
            pd_outfile_abort(f);
            return pd_error_set(err, PD_EIO, "standard output: %s", strerror(e));
        }
        setvbuf(f->fp, f->iobuf, _IOFBF, IOBUF_SIZE);
        return PD_OK;
    }
    struct stat sb;
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode)) {
        /* A device or a FIFO (/dev/null, a pipe): written directly. Renaming
         * a file over it would replace the device node itself. */
        f->final_path = strdup(path);
        FILE *fp = f->final_path ? fopen(path, "w") : NULL;
        if (!fp) {
            int e = f->final_path ? errno : ENOMEM;
            pd_outfile_abort(f);
            return pd_error_set(err, e == ENOMEM ? PD_ENOMEM : PD_EIO, "%s: cannot open: %s", path,
                                strerror(e));
        }
        f->fp = fp;
        setvbuf(f->fp, f->iobuf, _IOFBF, IOBUF_SIZE);
        return PD_OK;
    }
    size_t n = strlen(path);
    f->final_path = strdup(path);
    f->tmp_path = malloc(n + sizeof ".tmp.XXXXXX");
    if (!f->final_path || !f->tmp_path) {
        pd_outfile_abort(f);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    memcpy(f->tmp_path, path, n);
    memcpy(f->tmp_path + n, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
    int fd = mkstemp(f->tmp_path);
    if (fd < 0) {
        int e = errno;
        free(f->tmp_path);
        f->tmp_path = NULL;
        pd_outfile_abort(f);
        return pd_error_set(err, PD_EIO, "%s: cannot create: %s", path, strerror(e));
    }
    f->fp = fdopen(fd, "w");
    if (!f->fp) {
        int e = errno;
        close(fd);
        pd_outfile_abort(f);
        return pd_error_set(err, PD_EIO, "%s: cannot open: %s", path, strerror(e));
    }
    setvbuf(f->fp, f->iobuf, _IOFBF, IOBUF_SIZE);
    /* mkstemp makes the file 0600; give it the usual umask-derived mode. */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    return PD_OK;
}

int pd_outfile_commit(pd_outfile *f, pd_error *err)
{
    int rc = PD_OK;
    if (!f->tmp_path) {
        const char *name = f->final_path ? f->final_path : "standard output";
        if (fflush(f->fp) != 0 || ferror(f->fp))
            rc = pd_error_set(err, PD_EIO, "%s: write failed: %s", name, strerror(errno));
        if (fclose(f->fp) != 0 && rc == PD_OK)
            rc = pd_error_set(err, PD_EIO, "%s: write failed: %s", name, strerror(errno));
        f->fp = NULL;
        free(f->final_path);
        f->final_path = NULL;
        free(f->iobuf);
        f->iobuf = NULL;
        return rc;
    }
    if (fflush(f->fp) != 0 || ferror(f->fp) || fsync(fileno(f->fp)) != 0) {
        rc = pd_error_set(err, PD_EIO, "%s: write failed: %s", f->final_path, strerror(errno));
        pd_outfile_abort(f);
        return rc;
    }
    if (fclose(f->fp) != 0) {
        f->fp = NULL;
        rc = pd_error_set(err, PD_EIO, "%s: write failed: %s", f->final_path, strerror(errno));
        pd_outfile_abort(f);
        return rc;
    }
    f->fp = NULL;
    if (rename(f->tmp_path, f->final_path) != 0) {
        rc = pd_error_set(err, PD_EIO, "%s: cannot rename into place: %s", f->final_path,
                          strerror(errno));
        pd_outfile_abort(f);
        return rc;
    }
    free(f->tmp_path);
    free(f->final_path);
    free(f->iobuf);
    memset(f, 0, sizeof *f);
    return PD_OK;
}

void pd_outfile_abort(pd_outfile *f)
{
    if (f->fp)
        fclose(f->fp);
    if (f->tmp_path)
        unlink(f->tmp_path);
    free(f->tmp_path);
    free(f->final_path);
    free(f->iobuf);
    memset(f, 0, sizeof *f);
}
