/**
 * Runs in every test worker before the tests. fast-check 4 generates at most about 10 elements
 * for `fc.array(x, { maxLength: 300 })` unless told otherwise ("small" base size): a fuzz test
 * that says "up to 300 bytes" then never sees a 24-byte pcap header. With this, an arbitrary
 * given an upper bound explores lengths up to that bound, as the tests are written to mean.
 */
import fc from 'fast-check';

fc.configureGlobal({ defaultSizeToMaxWhenMaxSpecified: true });
