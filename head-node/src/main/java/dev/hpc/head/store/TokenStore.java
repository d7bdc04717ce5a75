package dev.hpc.head.store;

import dev.hpc.api.HpcException;
import dev.hpc.head.access.Role;
import dev.hpc.head.access.TokenRecord;
import dev.hpc.head.access.TokenRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The API tokens in the head's own database (docs/security.md): only a hash of each token, never the token. Token
 * changes are rare and each is one statement, so they have their own connection, in autocommit, apart from the
 * job commits and their writer thread.
 */
public final class TokenStore implements TokenRegistry.Storage, AutoCloseable {
    private final Connection connection;

    TokenStore(Connection connection) {
        this.connection = connection;
    }

    @Override
    public synchronized List<TokenRecord> loadTokens() {
        List<TokenRecord> out = new ArrayList<>();
        try (PreparedStatement q = connection.prepareStatement(
                "SELECT id, owner, role, hash, created FROM tokens ORDER BY created, id");
             ResultSet rs = q.executeQuery()) {
            while (rs.next()) {
                out.add(new TokenRecord(rs.getString(1), rs.getString(2),
                        Role.parse(rs.getString(3)), rs.getString(4),
                        rs.getObject(5, OffsetDateTime.class).toInstant()));
            }
            return out;
        } catch (SQLException e) {
            throw new HpcException("cannot read the tokens: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void saveToken(TokenRecord t) {
        try (PreparedStatement drop = connection.prepareStatement("DELETE FROM tokens WHERE hash = ? AND id <> ?");
             PreparedStatement merge = connection.prepareStatement(
                     "MERGE INTO tokens KEY (id) VALUES (?, ?, ?, ?, ?)")) {
            drop.setString(1, t.hash());
            drop.setString(2, t.id());
            drop.executeUpdate();
            merge.setString(1, t.id());
            merge.setString(2, t.hash());
            merge.setString(3, t.user());
            merge.setString(4, t.role().word());
            merge.setObject(5, t.created().atOffset(ZoneOffset.UTC));
            merge.executeUpdate();
        } catch (SQLException e) {
            throw new HpcException("cannot store token " + t.id() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void deleteTokens(Collection<String> ids) {
        try (PreparedStatement d = connection.prepareStatement("DELETE FROM tokens WHERE id = ?")) {
            for (String id : ids) {
                d.setString(1, id);
                d.executeUpdate();
            }
        } catch (SQLException e) {
            throw new HpcException("cannot delete tokens " + ids + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() throws SQLException {
        connection.close();
    }
}
