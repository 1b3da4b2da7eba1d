using System.Data.Common;

namespace Warden.Server.Trust;

/// <summary>
/// What the usage writer needs from the transparency log: append a receipt's entry inside the transaction that
/// stores the receipt, and hand over the entries once that transaction committed.
/// </summary>
internal interface IReceiptLog
{
    /// <summary>
    /// Appends the receipt's log entry in <paramref name="transaction"/>, with the writer's command from
    /// <see cref="LogEntryRows.PrepareAppend"/>; returns the entry's index and leaf hash.
    /// </summary>
    AppendedEntry Append(DbCommand preparedAppend, DbTransaction transaction, string compactJws, DateTimeOffset at);

    /// <summary>Called after a transaction that appended <paramref name="entries"/> (in index order) committed.</summary>
    void Committed(IReadOnlyList<AppendedEntry> entries);
}

/// <summary>An entry appended to <c>log_entries</c>: its index and its leaf hash.</summary>
internal readonly record struct AppendedEntry(long Index, byte[] LeafHash);

/// <summary>
/// The receipt side of the log as the data folder wires it: appends rows, and hands whoever listens (the running
/// server's <see cref="TransparencyLog"/>) the entries that committed, so its tree takes them without reading them
/// back and it can sign a checkpoint over them.
/// </summary>
internal sealed class ReceiptLogAppender : IReceiptLog
{
    /// <summary>Raised after a batch with receipts committed, with that batch's entries in index order.</summary>
    public event Action<IReadOnlyList<AppendedEntry>>? EntriesCommitted;

    public AppendedEntry Append(DbCommand preparedAppend, DbTransaction transaction, string compactJws, DateTimeOffset at)
    {
        byte[] entry = Core.Trust.LogEntry.ForReceipt(compactJws);
        byte[] leaf = Core.Trust.MerkleHash.Leaf(entry);
        long index = LogEntryRows.Append(preparedAppend, transaction, LogEntryRows.ReceiptKind, entry, leaf, at);
        return new AppendedEntry(index, leaf);
    }

    public void Committed(IReadOnlyList<AppendedEntry> entries) => EntriesCommitted?.Invoke(entries);
}
