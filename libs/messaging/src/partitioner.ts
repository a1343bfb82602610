import { Partitioners, type ICustomPartitioner } from 'kafkajs';

/**
 * kafkajs's default partitioner (murmur2 of the key modulo the partition count, the Java
 * client's choice) with the answer of each key remembered: a producer that sends many records
 * per key (the ingester: one key per device) hashes each key once instead of once per record.
 * The cache is keyed by the partition count too, so a topic that grows is hashed again; it is
 * emptied when it reaches `maxKeys`, so it stays bounded. Keyless records go to the default.
 */
export function cachingPartitioner(maxKeys = 10_000): ICustomPartitioner {
  return () => {
    const fallback = Partitioners.DefaultPartitioner();
    const known = new Map<string, number>();
    return (args) => {
      const { message, partitionMetadata } = args;
      if (message.partition !== null && message.partition !== undefined) return message.partition;
      if (message.key === null || message.key === undefined) return fallback(args);
      const key =
        typeof message.key === 'string'
          ? `${partitionMetadata.length}|s|${message.key}`
          : `${partitionMetadata.length}|b|${message.key.toString('base64')}`;
      let partition = known.get(key);
      if (partition === undefined) {
        partition = fallback(args);
        if (known.size >= maxKeys) known.clear();
        known.set(key, partition);
      }
      return partition;
    };
  };
}
