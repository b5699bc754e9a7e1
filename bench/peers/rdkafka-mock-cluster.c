/* librdkafka's mock cluster on 127.0.0.1, the wire bench's peer: prints its bootstrap
 * address, creates the topics named on the command line (name:partitions), and runs
 * until stdin closes. Built by bench/suites/wire.mjs with `cc ... -lrdkafka`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

int main(int argc, char **argv) {
  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) {
    fprintf(stderr, "rd_kafka_new: %s\n", errstr);
    return 1;
  }
  rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, 1);
  if (!mc) {
    fprintf(stderr, "rd_kafka_mock_cluster_new failed\n");
    return 1;
  }
  for (int i = 1; i < argc; i++) {
    char *name = strdup(argv[i]);
    char *colon = strchr(name, ':');
    int partitions = 1;
    if (colon) {
      *colon = 0;
      partitions = atoi(colon + 1);
    }
    rd_kafka_mock_topic_create(mc, name, partitions, 1);
    free(name);
  }
  printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
  fflush(stdout);
  while (getchar() != EOF) {
  }
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return 0;
}
