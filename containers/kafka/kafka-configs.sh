#!/bin/sh
# apache/kafka's /opt/kafka/bin/kafka-configs.sh, from the same jars: kafka.admin.ConfigCommand.
# docker-compose.yml's health check calls it, so one check works with both images.
exec java -Xmx128m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Djava.awt.headless=true \
  -Dlog4j2.configurationFile=/etc/kafka/docker/tools-log4j2.properties \
  -cp '/opt/kafka/libs/*' kafka.admin.ConfigCommand "$@"
