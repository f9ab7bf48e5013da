/*
 * librdkafka's mock Kafka cluster as a tiny program, for the Kafka destination tests.
 *
 *   kafka-mock <brokers> [topic[:partitions] ...]
 *
 * Prints the bootstrap address ("127.0.0.1:<port>,...") on stdout, then reads commands on
 * stdin, one a line, answering "ok" or "error <reason>" on stdout:
 *   down        disconnect every broker and refuse new connections (server down)
 *   up          accept connections again (server back)
 *   topic NAME PARTITIONS   create a topic
 * It exits on SIGINT/SIGTERM or when stdin closes, so it never outlives the test process.
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void on_signal(int sig) { (void)sig; _exit(0); }

int main(int argc, char **argv) {
  char err[512];
  int brokers = argc > 1 ? atoi(argv[1]) : 1;
  if (brokers < 1) brokers = 1;
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) { fprintf(stderr, "rd_kafka_new: %s\n", err); return 1; }
  rd_kafka_mock_cluster_t *mock = rd_kafka_mock_cluster_new(rk, brokers);
  if (!mock) { fprintf(stderr, "rd_kafka_mock_cluster_new failed\n"); return 1; }
  for (int i = 2; i < argc; i++) {
    char name[256];
    int partitions = 1;
    strncpy(name, argv[i], sizeof name - 1);
    name[sizeof name - 1] = 0;
    char *colon = strchr(name, ':');
    if (colon) { *colon = 0; partitions = atoi(colon + 1); }
    rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(mock, name, partitions, 1);
    if (e) fprintf(stderr, "topic_create %s: %s\n", name, rd_kafka_err2str(e));
  }
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  printf("%s\n", rd_kafka_mock_cluster_bootstraps(mock));
  fflush(stdout);

  char line[512];
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\r\n")] = 0;
    rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (strcmp(line, "down") == 0 || strcmp(line, "up") == 0) {
      for (int id = 1; id <= brokers && !e; id++)
        e = line[0] == 'd' ? rd_kafka_mock_broker_set_down(mock, id) : rd_kafka_mock_broker_set_up(mock, id);
    } else if (strncmp(line, "topic ", 6) == 0) {
      char name[256];
      int partitions = 1;
      if (sscanf(line + 6, "%255s %d", name, &partitions) >= 1) e = rd_kafka_mock_topic_create(mock, name, partitions, 1);
      else e = RD_KAFKA_RESP_ERR__INVALID_ARG;
    } else {
      e = RD_KAFKA_RESP_ERR__INVALID_ARG;
    }
    if (e) printf("error %s\n", rd_kafka_err2str(e));
    else printf("ok\n");
    fflush(stdout);
  }
  rd_kafka_mock_cluster_destroy(mock);
  rd_kafka_destroy(rk);
  return 0;
}
