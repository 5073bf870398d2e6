"""One feed refresh and the tick that starts it: poller, schedule, pipeline, story identity
(identity, links, dedupe: pure; intake joins them to the store), notices to admins."""
