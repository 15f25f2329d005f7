/*
 * epoll core, compared with the host kernel: the same objects (pipes, eventfds, epolls)
 * exist in the model and on the host, the same epoll_ctl / epoll_wait / read / write
 * sequence runs on both, and every result and every reported event (in order) must agree.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <cmocka.h>
#include <libos/abi/fcntl.h>
#include "support.h"

enum kind { PIPE_RD, PIPE_WR, EVFD, EPOLL };

/* One object as both model view and host descriptor. */
struct obj {
    enum kind kind;
    int hfd;
    struct ipc_fd_view view;
    bool open;
};

struct world {
    struct obj o[16];
    int n;
};

static long host_ret(long r)
{
    return r < 0 ? -errno : r;
}

static struct obj *add_obj(struct world *w, enum kind k, int hfd, const struct ipc_file_ops *ops,
                           void *obj, unsigned f_flags)
{
    struct obj *o = &w->o[w->n++];
    *o = (struct obj){k, hfd, {ops, obj, f_flags}, true};
    return o;
}

/* Adds a pipe: returns the read end (the write end follows it). */
static struct obj *add_pipe(struct world *w)
{
    struct pipe *p;
    int fd[2];
    assert_int_equal(pipe_create(&test_env, &p), 0);
    pipe_open(p, LINUX_O_RDONLY);
    pipe_open(p, LINUX_O_WRONLY);
    assert_int_equal(pipe2(fd, O_NONBLOCK), 0);
    struct obj *r = add_obj(w, PIPE_RD, fd[0], &pipe_file_ops, p, LINUX_O_RDONLY);
    add_obj(w, PIPE_WR, fd[1], &pipe_file_ops, p, LINUX_O_WRONLY);
    return r;
}

static struct obj *add_eventfd(struct world *w)
{
    struct eventfd *e;
    assert_int_equal(ipc_eventfd_create(&test_env, 0, 0, &e), 0);
    return add_obj(w, EVFD, eventfd(0, EFD_NONBLOCK), &ipc_eventfd_file_ops, e, 0);
}

static struct obj *add_epoll(struct world *w)
{
    struct epoll *ep;
    assert_int_equal(ipc_epoll_create(&test_env, &ep), 0);
    return add_obj(w, EPOLL, epoll_create1(0), &ipc_epoll_file_ops, ep, 0);
}

static void close_obj(struct obj *o)
{
    if (!o->open)
        return;
    o->open = false;
    close(o->hfd);
    ipc_epoll_file_released(&o->view, o);
    o->view.ops->release(o->view.obj, o->view.f_flags);
}

static void world_free(struct world *w)
{
    for (int i = 0; i < w->n; i++)
        close_obj(&w->o[i]);
}

static int ctl(struct obj *ep, int op, struct obj *o, uint32_t events, uint64_t data)
{
    struct linux_epoll_event mev = {events, data};
    struct epoll_event hev = {.events = events, .data.u64 = data};
    int m = ipc_epoll_ctl(ep->view.obj, op, o->hfd, o, &o->view, &mev);
    int h = (int)host_ret(epoll_ctl(ep->hfd, op, o->hfd, &hev));
    assert_int_equal(m, h);
    return m;
}

/* epoll_wait with timeout 0 on both; returns the count, results in *out. */
static int wait_both(struct obj *ep, int max, struct linux_epoll_event *out)
{
    struct epoll_event hev[16];
    int m = ipc_epoll_collect(ep->view.obj, out, max);
    int h = epoll_wait(ep->hfd, hev, max, 0);
    assert_int_equal(m, h);
    for (int i = 0; i < m; i++) {
        assert_int_equal(out[i].events, hev[i].events);
        assert_int_equal(out[i].data, hev[i].data.u64);
    }
    return m;
}

static int wait_n(struct obj *ep)
{
    struct linux_epoll_event ev[16];
    return wait_both(ep, 16, ev);
}

static void pwrite_both(struct obj *wr, size_t n)
{
    static char buf[70000];
    bool sp;
    long m = pipe_write(wr->view.obj, buf, n, &sp);
    assert_int_equal(m, host_ret(write(wr->hfd, buf, n)));
}

static void pread_both(struct obj *rd, size_t n)
{
    static char buf[70000];
    long m = pipe_read(rd->view.obj, buf, n);
    assert_int_equal(m, host_ret(read(rd->hfd, buf, n)));
}

static void evwrite_both(struct obj *e, uint64_t v)
{
    assert_int_equal(ipc_eventfd_write(e->view.obj, &v, 8), host_ret(write(e->hfd, &v, 8)));
}

static void evread_both(struct obj *e)
{
    uint64_t a = 0, b = 0;
    assert_int_equal(ipc_eventfd_read(e->view.obj, &a, 8), host_ret(read(e->hfd, &b, 8)));
    assert_true(a == b);
}

static int setup(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

static void test_level_triggered(void **state)
{
    (void)state;
    struct world w = {0};
    struct obj *ep = add_epoll(&w), *rd = add_pipe(&w), *wr = rd + 1;
    ctl(ep, EPOLL_CTL_ADD, rd, EPOLLIN, 1);
    assert_int_equal(wait_n(ep), 0);
    pwrite_both(wr, 10);
    assert_int_equal(wait_n(ep), 1);
    assert_int_equal(wait_n(ep), 1); /* still readable: reported again */
    pread_both(rd, 5);
    assert_int_equal(wait_n(ep), 1);
    pread_both(rd, 5);
    assert_int_equal(wait_n(ep), 0);
    assert_false(ipc_epoll_has_ready(ep->view.obj));
    world_free(&w);
}

static void test_edge_triggered(void **state)
{
    (void)state;
    struct world w = {0};
    struct obj *ep = add_epoll(&w), *rd = add_pipe(&w), *wr = rd + 1;
    ctl(ep, EPOLL_CTL_ADD, rd, EPOLLIN | EPOLLET, 2);
    ctl(ep, EPOLL_CTL_ADD, wr, EPOLLOUT | EPOLLET, 3);
    assert_int_equal(wait_n(ep), 1); /* the write end: writable once */
    assert_int_equal(wait_n(ep), 0);
    pwrite_both(wr, 10);
    assert_int_equal(wait_n(ep), 1); /* readable edge */
    assert_int_equal(wait_n(ep), 0);
    pwrite_both(wr, 10); /* every write is an edge for a polled pipe */
    assert_int_equal(wait_n(ep), 1);
    pread_both(rd, 3); /* the pipe was not full: no edge for the writer */
    assert_int_equal(wait_n(ep), 0);
    for (int i = 0; i < 16; i++)
        pwrite_both(wr, 4096);
    assert_int_equal(wait_n(ep), 1);
    pread_both(rd, 4096 + 20); /* from full to a free slot: a write edge */
    assert_int_equal(wait_n(ep), 1);
    world_free(&w);
}

static void test_oneshot_rearm(void **state)
{
    (void)state;
    struct world w = {0};
    struct obj *ep = add_epoll(&w), *e = add_eventfd(&w);
    ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLONESHOT, 4);
    evwrite_both(e, 1);
    assert_int_equal(wait_n(ep), 1);
    evwrite_both(e, 1);
    assert_int_equal(wait_n(ep), 0); /* disabled until MOD */
    ctl(ep, EPOLL_CTL_MOD, e, EPOLLIN | EPOLLONESHOT, 5);
    assert_int_equal(wait_n(ep), 1);
    assert_int_equal(wait_n(ep), 0);
    ctl(ep, EPOLL_CTL_MOD, e, EPOLLIN, 6); /* back to level-triggered */
    assert_int_equal(wait_n(ep), 1);
    assert_int_equal(wait_n(ep), 1);
    evread_both(e);
    assert_int_equal(wait_n(ep), 0);
    world_free(&w);
}

static void test_maxevents_rotation(void **state)
{
    (void)state;
    struct world w = {0};
    struct obj *ep = add_epoll(&w), *e[4];
    struct linux_epoll_event ev[4];
    for (int i = 0; i < 4; i++) {
        e[i] = add_eventfd(&w);
        ctl(ep, EPOLL_CTL_ADD, e[i], EPOLLIN, 10 + (uint64_t)i);
        evwrite_both(e[i], 1);
    }
    for (int round = 0; round < 6; round++)
        assert_int_equal(wait_both(ep, 3, ev), 3); /* order checked against the host */
    evread_both(e[2]);
    assert_int_equal(wait_both(ep, 4, ev), 3);
    world_free(&w);
}

static void test_hup_and_err(void **state)
{
    (void)state;
    struct world w = {0};
    struct obj *ep = add_epoll(&w), *rd = add_pipe(&w), *wr = rd + 1;
    struct obj *rd2 = add_pipe(&w), *wr2 = rd2 + 1;
    ctl(ep, EPOLL_CTL_ADD, rd, EPOLLIN | EPOLLET, 1);
    ctl(ep, EPOLL_CTL_ADD, wr2, EPOLLET, 2); /* no events requested: ERR/HUP still come */
    assert_int_equal(wait_n(ep), 0);
    close_obj(wr);
    close_obj(rd2);
    struct linux_epoll_event ev[4];
    assert_int_equal(wait_both(ep, 4, ev), 2);
    assert_int_equal(ev[0].events, LINUX_EPOLLHUP);
    assert_int_equal(ev[1].events, LINUX_EPOLLERR);
    world_free(&w);
}

static void test_release_removes_items(void **state)
{
    (void)state;
    struct world w = {0};
    struct obj *ep = add_epoll(&w), *e = add_eventfd(&w), *rd = add_pipe(&w), *wr = rd + 1;
    ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN, 1);
    ctl(ep, EPOLL_CTL_ADD, rd, EPOLLIN, 2);
    ctl(ep, EPOLL_CTL_ADD, wr, EPOLLOUT, 3);
    evwrite_both(e, 1);
    assert_int_equal(wait_n(ep), 2);
    close_obj(e); /* ready item dropped with its file */
    assert_int_equal(wait_n(ep), 1);
    pwrite_both(wr, 10);
    close_obj(rd); /* the pipe lives on: only the read end's item goes */
    struct linux_epoll_event ev[4];
    assert_int_equal(wait_both(ep, 4, ev), 1);
    assert_int_equal(ev[0].events, LINUX_EPOLLOUT | LINUX_EPOLLERR);
    close_obj(wr);
    assert_int_equal(wait_n(ep), 0);
    struct epoll *mep = ep->view.obj;
    assert_true(list_empty(&mep->items));
    world_free(&w);
}

static void test_ctl_errors(void **state)
{
    (void)state;
    struct world w = {0};
    struct obj *ep = add_epoll(&w), *e = add_eventfd(&w), *e2 = add_eventfd(&w);
    char path[] = "/tmp/exo-ipc-reg-XXXXXX";
    int reg = mkstemp(path);
    unlink(path);
    struct obj *file = add_obj(&w, EVFD, reg, NULL, NULL, 0);
    assert_int_equal(ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN, 0), 0);
    assert_int_equal(ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN, 0), -EEXIST);
    assert_int_equal(ctl(ep, EPOLL_CTL_MOD, e2, EPOLLIN, 0), -ENOENT);
    assert_int_equal(ctl(ep, EPOLL_CTL_DEL, e2, 0, 0), -ENOENT);
    assert_int_equal(ctl(ep, EPOLL_CTL_ADD, ep, EPOLLIN, 0), -EINVAL);
    assert_int_equal(ctl(ep, 7, e2, EPOLLIN, 0), -EINVAL);
    assert_int_equal(ctl(ep, EPOLL_CTL_ADD, e2, EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT, 0),
                     -EINVAL);
    assert_int_equal(ctl(ep, EPOLL_CTL_MOD, e, EPOLLIN | EPOLLEXCLUSIVE, 0), -EINVAL);
    assert_int_equal(ctl(ep, EPOLL_CTL_ADD, e2, EPOLLIN | EPOLLEXCLUSIVE, 0), 0);
    assert_int_equal(ctl(ep, EPOLL_CTL_MOD, e2, EPOLLIN, 0), -EINVAL);
    assert_int_equal(ctl(ep, EPOLL_CTL_DEL, e2, 0, 0), 0);
    assert_int_equal(ctl(ep, EPOLL_CTL_DEL, e, 0, 0), 0);
    assert_int_equal(ctl(ep, EPOLL_CTL_ADD, file, EPOLLIN, 0), -EPERM);
    close(reg);
    file->open = false;
    world_free(&w);
}

static void test_nested_and_loops(void **state)
{
    (void)state;
    struct world w = {0};
    struct obj *ep[7], *e = add_eventfd(&w);
    for (int i = 0; i < 7; i++)
        ep[i] = add_epoll(&w);
    /* ep0 -> ep1 -> e: readiness propagates up; ep1's queue wakes ep0's waiters. */
    ctl(ep[0], EPOLL_CTL_ADD, ep[1], EPOLLIN, 100);
    ctl(ep[1], EPOLL_CTL_ADD, e, EPOLLIN, 101);
    struct recorder r;
    recorder_attach(&r, &((struct epoll *)ep[0]->view.obj)->pollq);
    assert_int_equal(wait_n(ep[0]), 0);
    evwrite_both(e, 1);
    assert_true(r.wakes > 0);
    assert_true(ipc_epoll_has_ready(ep[0]->view.obj));
    assert_int_equal(ipc_epoll_poll(ep[0]->view.obj, NULL), LINUX_EPOLLIN | LINUX_EPOLLRDNORM);
    assert_int_equal(wait_n(ep[0]), 1);
    assert_int_equal(wait_n(ep[1]), 1);
    evread_both(e);
    assert_int_equal(wait_n(ep[0]), 0);
    ipc_pollq_remove(&((struct epoll *)ep[0]->view.obj)->pollq, &r.entry);
    /* A cycle. */
    assert_int_equal(ctl(ep[1], EPOLL_CTL_ADD, ep[0], EPOLLIN, 0), -ELOOP);
    /* Chains: ep1 -> ep2 -> ... until the host refuses; the model must refuse there too. */
    for (int i = 2; i < 7; i++)
        ctl(ep[i - 1], EPOLL_CTL_ADD, ep[i], EPOLLIN, 0);
    ctl(ep[6], EPOLL_CTL_ADD, e, EPOLLIN, 0);
    world_free(&w);
}

/* Random ctl / wait / read / write sequences over two pipes and two eventfds. */
static void test_random_against_host(void **state)
{
    (void)state;
    static const uint32_t evsets[] = {EPOLLIN,
                                      EPOLLOUT,
                                      EPOLLIN | EPOLLOUT,
                                      EPOLLIN | EPOLLET,
                                      EPOLLOUT | EPOLLET,
                                      EPOLLIN | EPOLLONESHOT,
                                      EPOLLIN | EPOLLOUT | EPOLLET | EPOLLONESHOT,
                                      0};
    static const size_t sizes[] = {1, 100, 4096, 5000, 30000, 65536};
    srandom(99);
    for (int round = 0; round < 30; round++) {
        struct world w = {0};
        struct obj *ep = add_epoll(&w), *objs[6];
        objs[0] = add_pipe(&w), objs[1] = objs[0] + 1;
        objs[2] = add_pipe(&w), objs[3] = objs[2] + 1;
        objs[4] = add_eventfd(&w), objs[5] = add_eventfd(&w);
        for (int op = 0; op < 400; op++) {
            struct obj *o = objs[random() % 6];
            struct linux_epoll_event ev[8];
            switch (random() % 8) {
            case 0:
                ctl(ep, EPOLL_CTL_ADD, o, evsets[random() % ARRAY_SIZE(evsets)],
                    (uint64_t)random());
                break;
            case 1:
                ctl(ep, EPOLL_CTL_MOD, o, evsets[random() % ARRAY_SIZE(evsets)],
                    (uint64_t)random());
                break;
            case 2:
                if (random() % 4 == 0)
                    ctl(ep, EPOLL_CTL_DEL, o, 0, 0);
                break;
            case 3:
            case 4:
                wait_both(ep, 1 + (int)(random() % 8), ev);
                break;
            default:
                if (o->kind == PIPE_RD)
                    pread_both(o, sizes[random() % ARRAY_SIZE(sizes)]);
                else if (o->kind == PIPE_WR)
                    pwrite_both(o, sizes[random() % ARRAY_SIZE(sizes)]);
                else if (random() % 2)
                    evwrite_both(o, (uint64_t)(random() % 3));
                else
                    evread_both(o);
            }
        }
        world_free(&w);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_level_triggered),     cmocka_unit_test(test_edge_triggered),
        cmocka_unit_test(test_oneshot_rearm),       cmocka_unit_test(test_maxevents_rotation),
        cmocka_unit_test(test_hup_and_err),         cmocka_unit_test(test_release_removes_items),
        cmocka_unit_test(test_ctl_errors),          cmocka_unit_test(test_nested_and_loops),
        cmocka_unit_test(test_random_against_host),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
