"""OSS RBA: business permits pushed by the national OSS (receiveNIB), and the case's statuses
and permit reported back to it through the integrations' outbox."""
