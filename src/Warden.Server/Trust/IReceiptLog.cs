using Microsoft.Data.Sqlite;

namespace Warden.Server.Trust;

/// <summary>
/// What the usage writer needs from the transparency log: append a receipt's entry inside the transaction that
/// stores the receipt, and hear that the transaction committed.
/// </summary>
internal interface IReceiptLog
{
    /// <summary>Appends the receipt's log entry in <paramref name="transaction"/>, with the writer's command from <see cref="LogEntryRows.PrepareAppend"/>.</summary>
    void Append(SqliteCommand preparedAppend, SqliteTransaction transaction, string compactJws, DateTimeOffset at);

    /// <summary>Called after a transaction that appended entries committed.</summary>
    void Committed();
}

/// <summary>
/// The receipt side of the log as the data folder wires it: appends rows, and tells whoever listens (the running
/// server's <see cref="TransparencyLog"/>) that new entries committed, so it can sign a checkpoint over them.
/// </summary>
internal sealed class ReceiptLogAppender : IReceiptLog
{
    /// <summary>Raised after a batch with receipts committed.</summary>
    public event Action? EntriesCommitted;

    public void Append(SqliteCommand preparedAppend, SqliteTransaction transaction, string compactJws, DateTimeOffset at) =>
        LogEntryRows.Append(preparedAppend, transaction, LogEntryRows.ReceiptKind, Core.Trust.LogEntry.ForReceipt(compactJws), at);

    public void Committed() => EntriesCommitted?.Invoke();
}
