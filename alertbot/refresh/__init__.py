"""One feed refresh and the tick that starts it: poller, schedule, pipeline, story identity,
notices to admins about feed health."""
