package dev.hpc.api.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.Test;

class DeferredTlsContextTest {
    @Test
    void actsAsTheDefaultContextOnceUsed() throws Exception {
        SSLContext deferred = new DeferredTlsContext();
        SSLEngine engine = deferred.createSSLEngine("head1", 8640);
        SSLEngine reference = SSLContext.getDefault().createSSLEngine("head1", 8640);
        assertEquals("head1", engine.getPeerHost());
        assertArrayEquals(reference.getEnabledProtocols(), engine.getEnabledProtocols());
        assertArrayEquals(SSLContext.getDefault().getDefaultSSLParameters().getCipherSuites(),
                deferred.getDefaultSSLParameters().getCipherSuites());
    }
}
