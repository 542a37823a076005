/**
 * A fuzz worker process (campaign.ts forks one per core): receives its share of a campaign,
 * judges it, sends back its summary and exits.
 */
import { runShard, type CampaignOptions, type ShardMessage } from './campaign';

process.once('message', (message: { options: CampaignOptions; shard: number; shards: number }) => {
  const summary = runShard(message.options, message.shard, message.shards, (sofar) => {
    process.send?.({ kind: 'progress', summary: sofar } satisfies ShardMessage);
  });
  process.send?.({ kind: 'done', summary } satisfies ShardMessage, () => process.disconnect());
});
