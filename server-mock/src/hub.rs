//! In-process notification of committed writes. Streams subscribe to a topic (an intent, or an agent's
//! delivery queue) *before* reading the backlog from the store, then wake on every commit that touches
//! the topic and read what is new: a wake-up hint plus a catch-up read, so no event falls in the gap and
//! nothing polls the store.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{watch, Notify};

/// Topic of one intent's events.
pub fn intent_topic(intent_id: &str) -> String {
    format!("intent:{intent_id}")
}

/// Topic of one agent's delivery queue inside an organisation.
pub fn agent_topic(org_id: &str, agent: &str) -> String {
    format!("agent:{org_id}:{agent}")
}

/// The notification hub shared by the writer and every open stream.
#[derive(Default, Debug)]
pub struct Hub {
    topics: Mutex<HashMap<String, watch::Sender<i64>>>,
    /// Signalled when a deadline is added, so the timer re-reads the next one.
    pub deadlines: Notify,
    /// Signalled when webhook attempts were recorded, so the retry timer re-reads the next due one.
    pub webhook_retries: Notify,
    /// Signalled when the server begins shutting down, so open streams end their window.
    pub shutdown: tokio_util::sync::CancellationToken,
}

impl Hub {
    pub fn new() -> Arc<Hub> {
        Arc::new(Hub::default())
    }

    /// Tells the topic's subscribers that something up to `position` was committed.
    pub fn notify(&self, topic: &str, position: i64) {
        let mut topics = self.topics.lock().expect("hub lock");
        if let Some(sender) = topics.get(topic) {
            if sender.receiver_count() == 0 {
                topics.remove(topic);
            } else {
                sender.send_replace(position);
            }
        }
    }

    /// Subscribes to a topic; only commits after this call wake the subscription.
    pub fn subscribe(self: &Arc<Self>, topic: &str) -> Subscription {
        let mut topics = self.topics.lock().expect("hub lock");
        let receiver = topics
            .entry(topic.to_string())
            .or_insert_with(|| watch::channel(0).0)
            .subscribe();
        Subscription {
            hub: Arc::clone(self),
            topic: topic.to_string(),
            receiver: Some(receiver),
        }
    }

    /// How many topics have live subscribers (for metrics and leak tests).
    pub fn topic_count(&self) -> usize {
        self.topics.lock().expect("hub lock").len()
    }
}

/// A live subscription; dropping it removes the topic once nobody listens.
#[derive(Debug)]
pub struct Subscription {
    hub: Arc<Hub>,
    topic: String,
    receiver: Option<watch::Receiver<i64>>,
}

impl Subscription {
    /// Waits for the next commit on the topic.
    pub async fn changed(&mut self) {
        if let Some(receiver) = self.receiver.as_mut() {
            if receiver.changed().await.is_err() {
                // The sender is never dropped while a receiver exists; wait forever rather than spin.
                std::future::pending::<()>().await;
            }
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        drop(self.receiver.take());
        let mut topics = self.hub.topics.lock().expect("hub lock");
        if topics
            .get(&self.topic)
            .is_some_and(|sender| sender.receiver_count() == 0)
        {
            topics.remove(&self.topic);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn wakes_subscribers_and_forgets_empty_topics() {
        let hub = Hub::new();
        let mut sub = hub.subscribe("intent:a");
        hub.notify("intent:a", 3);
        tokio::time::timeout(std::time::Duration::from_secs(5), sub.changed())
            .await
            .expect("woken");
        assert_eq!(hub.topic_count(), 1);
        drop(sub);
        assert_eq!(hub.topic_count(), 0);
        hub.notify("intent:a", 4);
        assert_eq!(hub.topic_count(), 0);
    }
}
