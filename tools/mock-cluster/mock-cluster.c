/*
 * mock-cluster: librdkafka's mock Kafka cluster as a process, a real Kafka endpoint written
 * by others for kafkette's tests and benchmarks. Brokers listen on 127.0.0.1 on ports the
 * kernel chooses; the first line on stdout is the bootstrap list.
 *
 * Usage: mock-cluster [--brokers N] [TOPIC[:PARTITIONS[:REPLICATION]]]...
 *
 * Commands on stdin, one a line (each answered with "ok ..." or "error ..." on stdout):
 *   down ID           take broker ID down: connections close, new ones are refused, port kept
 *   up ID             bring broker ID back on the same port
 *   topic NAME P [R]  create a topic with P partitions (the mock has no CreateTopics API)
 *   rtt ID MS         delay every response of broker ID by MS milliseconds
 *   error KEY CODE [N] answer the next N (default 1) requests of API KEY with error CODE
 *   ping              answers "ok pong" (a way to wait for the commands before it)
 * The process exits 0 when stdin closes or on SIGTERM/SIGINT.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

static volatile sig_atomic_t stopping = 0;

static void on_signal(int sig) {
        (void)sig;
        stopping = 1;
}

static int create_topic(rd_kafka_mock_cluster_t *mc, const char *spec) {
        char name[256];
        int partitions = 1, replication = 1;
        const char *colon = strchr(spec, ':');
        size_t len        = colon ? (size_t)(colon - spec) : strlen(spec);
        if (len == 0 || len >= sizeof(name)) {
                fprintf(stderr, "mock-cluster: bad topic \"%s\"\n", spec);
                return -1;
        }
        memcpy(name, spec, len);
        name[len] = '\0';
        if (colon && sscanf(colon + 1, "%d:%d", &partitions, &replication) < 1) {
                fprintf(stderr, "mock-cluster: bad topic \"%s\"\n", spec);
                return -1;
        }
        rd_kafka_resp_err_t err =
            rd_kafka_mock_topic_create(mc, name, partitions, replication);
        if (err) {
                fprintf(stderr, "mock-cluster: topic %s: %s\n", name,
                        rd_kafka_err2str(err));
                return -1;
        }
        return 0;
}

/* Runs one command line; writes exactly one answer line. */
static void command(rd_kafka_mock_cluster_t *mc, char *line) {
        char verb[16], arg[256];
        int a = 0, b = 1;
        rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
        int n = sscanf(line, "%15s %255s %d %d", verb, arg, &a, &b);
        if (n < 1) return;
        if (!strcmp(verb, "ping")) {
                printf("ok pong\n");
        } else if ((!strcmp(verb, "down") || !strcmp(verb, "up")) && n >= 2) {
                int id = atoi(arg);
                err    = !strcmp(verb, "down") ? rd_kafka_mock_broker_set_down(mc, id)
                                               : rd_kafka_mock_broker_set_up(mc, id);
                if (err) printf("error %s %d: %s\n", verb, id, rd_kafka_err2str(err));
                else printf("ok %s %d\n", verb, id);
        } else if (!strcmp(verb, "topic") && n >= 3) {
                err = rd_kafka_mock_topic_create(mc, arg, a, n >= 4 ? b : 1);
                if (err) printf("error topic %s: %s\n", arg, rd_kafka_err2str(err));
                else printf("ok topic %s\n", arg);
        } else if (!strcmp(verb, "error") && n >= 3) {
                int16_t key = (int16_t)atoi(arg);
                size_t cnt  = n >= 4 && b > 0 ? (size_t)b : 1, j;
                rd_kafka_resp_err_t *errs = calloc(cnt, sizeof(*errs));
                for (j = 0; j < cnt; j++) errs[j] = (rd_kafka_resp_err_t)a;
                rd_kafka_mock_push_request_errors_array(mc, key, cnt, errs);
                free(errs);
                printf("ok error %d %d %zu\n", key, a, cnt);
        } else if (!strcmp(verb, "rtt") && n >= 3) {
                int id = atoi(arg);
                err    = rd_kafka_mock_broker_set_rtt(mc, id, a);
                if (err) printf("error rtt %d: %s\n", id, rd_kafka_err2str(err));
                else printf("ok rtt %d %d\n", id, a);
        } else {
                printf("error unknown command: %s", line);
                if (!strchr(line, '\n')) printf("\n");
        }
        fflush(stdout);
}

int main(int argc, char **argv) {
        int brokers = 1, i;
        char errstr[512];

        for (i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--brokers") && i + 1 < argc) {
                        brokers = atoi(argv[++i]);
                        if (brokers < 1) {
                                fprintf(stderr, "mock-cluster: --brokers must be >= 1\n");
                                return 2;
                        }
                } else {
                        break;
                }
        }

        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        /* The handle only hosts the mock cluster's thread; quiet unless something fails. */
        if (rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr)) !=
            RD_KAFKA_CONF_OK) {
                fprintf(stderr, "mock-cluster: %s\n", errstr);
                return 2;
        }
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "mock-cluster: rd_kafka_new: %s\n", errstr);
                return 2;
        }
        rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
        if (!mc) {
                fprintf(stderr, "mock-cluster: rd_kafka_mock_cluster_new failed\n");
                rd_kafka_destroy(rk);
                return 2;
        }
        for (; i < argc; i++) {
                if (create_topic(mc, argv[i]) != 0) {
                        rd_kafka_mock_cluster_destroy(mc);
                        rd_kafka_destroy(rk);
                        return 2;
                }
        }

        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);

        printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
        fflush(stdout);

        char line[512];
        size_t used = 0;
        while (!stopping) {
                struct pollfd pfd = {.fd = 0, .events = POLLIN};
                int r             = poll(&pfd, 1, 200);
                if (r < 0) {
                        if (errno == EINTR) continue;
                        break;
                }
                if (r == 0) continue;
                ssize_t got = read(0, line + used, sizeof(line) - 1 - used);
                if (got <= 0) break; /* stdin closed: the parent is gone */
                used += (size_t)got;
                line[used] = '\0';
                char *start = line, *nl;
                while ((nl = strchr(start, '\n'))) {
                        *nl = '\0';
                        command(mc, start);
                        start = nl + 1;
                }
                used = strlen(start);
                memmove(line, start, used + 1);
                if (used == sizeof(line) - 1) used = 0; /* an overlong line is dropped */
        }

        rd_kafka_mock_cluster_destroy(mc);
        rd_kafka_destroy(rk);
        return 0;
}
