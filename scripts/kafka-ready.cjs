// Exits 0 when the broker at KAFKA_BROKERS (default 127.0.0.1:9092) answers an admin call.
const { Kafka, logLevel } = require('kafkajs');
const brokers = (process.env.KAFKA_BROKERS || '127.0.0.1:9092').split(',');
const admin = new Kafka({ clientId: 'idstream-ready', brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
admin
  .connect()
  .then(() => admin.describeCluster())
  .then(() => admin.disconnect())
  .then(
    () => process.exit(0),
    () => process.exit(1),
  );
