using System.Data.Common;
using Warden.Server.Billing;
using Warden.Server.Storage;

namespace Warden.Server.Payments;

/// <summary>
/// The <c>payment_orders</c> and <c>payment_events</c> tables. Crediting happens in one IMMEDIATE transaction that
/// re-reads the order, records the provider's event id (its primary key refuses a replay), posts the top-up through
/// <see cref="Ledger.TopUpWithin"/> and marks the order credited: all of it commits, or none.
/// </summary>
internal sealed class PaymentStore(WardenDatabase database, Ledger ledger, TenantStore tenants, TimeProvider time)
{
    private const string Columns =
        "id, tenant_id, provider, amount_micros, currency, provider_currency, amount_minor, provider_reference, state, created_by, created_at, updated_at, credited_at";

    public void Insert(PaymentOrder order)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO payment_orders (id, tenant_id, provider, amount_micros, currency, provider_currency, amount_minor, provider_reference, state, created_by, created_at, updated_at)
            VALUES (@id, @tenant, @provider, @micros, @currency, @pcurrency, @minor, NULL, @state, @by, @t, @t)
            """;
        command.Parameters.AddWithValue("@id", order.Id);
        command.Parameters.AddWithValue("@tenant", order.TenantId);
        command.Parameters.AddWithValue("@provider", order.Provider);
        command.Parameters.AddWithValue("@micros", order.AmountMicros);
        command.Parameters.AddWithValue("@currency", order.Currency);
        command.Parameters.AddWithValue("@pcurrency", order.ProviderCurrency);
        command.Parameters.AddWithValue("@minor", order.AmountMinor);
        command.Parameters.AddWithValue("@state", order.State);
        command.Parameters.AddWithValue("@by", order.CreatedBy);
        command.Parameters.AddWithValue("@t", SqlTime.Format(order.CreatedAt));
        command.ExecuteNonQuery();
    }

    /// <summary>Records what the provider gave for a new order: its reference, or that it failed.</summary>
    public void Checkout(string orderId, string? providerReference, bool failed)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE payment_orders SET provider_reference = @ref, state = @state, updated_at = @t WHERE id = @id AND state = 'created'";
        command.Parameters.AddWithValue("@id", orderId);
        command.Parameters.AddWithValue("@ref", (object?)providerReference ?? DBNull.Value);
        command.Parameters.AddWithValue("@state", failed ? PaymentOrderState.Failed : PaymentOrderState.Created);
        command.Parameters.AddWithValue("@t", SqlTime.Format(time.GetUtcNow()));
        command.ExecuteNonQuery();
    }

    public PaymentOrder? Find(string orderId)
    {
        using var connection = database.Open();
        return Find(connection, null, orderId);
    }

    /// <summary>The newest orders first, of one tenant or of all.</summary>
    public List<PaymentOrder> List(string? tenantId, int limit)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM payment_orders WHERE (@tenant IS NULL OR tenant_id = @tenant) ORDER BY created_at DESC, id DESC LIMIT @limit";
        command.Parameters.AddWithValue("@tenant", (object?)tenantId ?? DBNull.Value);
        command.Parameters.AddWithValue("@limit", limit);
        using var reader = command.ExecuteReader();
        List<PaymentOrder> orders = [];
        while (reader.Read())
        {
            orders.Add(Read(reader));
        }

        return orders;
    }

    /// <summary>Credits the order a verified notification names, exactly once, after checking it against the order.</summary>
    public PaymentOutcome Credit(string provider, PaymentVerdict paid)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginWrite();
        if (Find(connection, transaction, paid.OrderId!) is not { } order || order.Provider != provider)
        {
            return new PaymentOutcome(PaymentOutcomeKind.Rejected, "unknown order");
        }

        if (order.State == PaymentOrderState.Credited)
        {
            return new PaymentOutcome(PaymentOutcomeKind.AlreadyCredited, "order already credited", order.Id);
        }

        if (order.State != PaymentOrderState.Created)
        {
            return new PaymentOutcome(PaymentOutcomeKind.Rejected, "order not open", order.Id);
        }

        if (paid.AmountMinor != order.AmountMinor || !string.Equals(paid.ProviderCurrency, order.ProviderCurrency, StringComparison.OrdinalIgnoreCase))
        {
            return new PaymentOutcome(PaymentOutcomeKind.Rejected, "amount or currency differs from the order", order.Id);
        }

        // Stripe's session id is known from the checkout; a paid event for another session is not this order's payment.
        if (order.ProviderReference is { } reference && paid.ProviderReference is { } reported && reference != reported)
        {
            return new PaymentOutcome(PaymentOutcomeKind.Rejected, "provider reference differs from the order", order.Id);
        }

        if (tenants.Find(order.TenantId) is not { } tenant || tenant.Currency != order.Currency)
        {
            return new PaymentOutcome(PaymentOutcomeKind.Rejected, "tenant gone or currency changed", order.Id);
        }

        var now = time.GetUtcNow();
        using (var insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO payment_events (provider, event_id, order_id, received_at) VALUES (@p, @e, @o, @t) ON CONFLICT DO NOTHING";
            insert.Parameters.AddWithValue("@p", provider);
            insert.Parameters.AddWithValue("@e", paid.EventId!);
            insert.Parameters.AddWithValue("@o", order.Id);
            insert.Parameters.AddWithValue("@t", SqlTime.Format(now));
            if (insert.ExecuteNonQuery() == 0)
            {
                return new PaymentOutcome(PaymentOutcomeKind.AlreadyCredited, "event already processed", order.Id);
            }
        }

        var (ledgerTransaction, problem) = ledger.TopUpWithin(connection, transaction, tenant, order.AmountMicros, $"payment:{provider}:{order.Id}");
        if (problem is not null)
        {
            return new PaymentOutcome(PaymentOutcomeKind.Rejected, "ledger refused the credit", order.Id);
        }

        using (var update = connection.CreateCommand())
        {
            update.Transaction = transaction;
            update.CommandText = """
                UPDATE payment_orders SET state = 'credited', provider_reference = @ref, credited_at = @t, updated_at = @t, ledger_transaction = @tx
                WHERE id = @id AND state = 'created'
                """;
            update.Parameters.AddWithValue("@id", order.Id);
            update.Parameters.AddWithValue("@ref", (object?)paid.ProviderReference ?? DBNull.Value);
            update.Parameters.AddWithValue("@t", SqlTime.Format(now));
            update.Parameters.AddWithValue("@tx", ledgerTransaction!);
            if (update.ExecuteNonQuery() != 1)
            {
                throw new InvalidOperationException("A payment order changed state inside its own IMMEDIATE transaction.");
            }
        }

        transaction.Commit();
        return new PaymentOutcome(PaymentOutcomeKind.Credited, "credited", order.Id);
    }

    private static PaymentOrder? Find(DbConnection connection, DbTransaction? transaction, string orderId)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT {Columns} FROM payment_orders WHERE id = @id";
        command.Parameters.AddWithValue("@id", orderId);
        using var reader = command.ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    private static PaymentOrder Read(DbDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4), reader.GetString(5), reader.GetInt64(6),
        reader.IsDBNull(7) ? null : reader.GetString(7), reader.GetString(8), reader.GetString(9),
        SqlTime.Parse(reader.GetString(10)), SqlTime.Parse(reader.GetString(11)), reader.IsDBNull(12) ? null : SqlTime.Parse(reader.GetString(12)));
}
