using System.Security.Cryptography;
using Warden.Core.Trust;
using Warden.Server.Storage;

namespace Warden.Server.Trust;

/// <summary>
/// The running server's view of the transparency log: a <see cref="MerkleTree"/> that keeps in memory the roots of
/// complete blocks of 2^<see cref="DefaultResidentLevel"/> entries and reads older leaf hashes back from
/// <c>log_entries</c> when a proof needs them (so memory grows by about a quarter of a byte per entry, not 64 bytes),
/// checked at start against the last signed checkpoint, then kept up to date from <c>log_entries</c> (the usage
/// writer hands over what it committed; configuration writes, including the CLI's from another process, are read
/// from there). Whenever the tree grew, it signs a new checkpoint with the receipt signing key: after each usage batch
/// that stored receipts, on every checkpoint or proof request, and at most one second after a CLI change (the
/// background poll).
/// </summary>
internal sealed class TransparencyLog
{
    /// <summary>Subtrees of 2^8 = 256 entries and more stay in memory; a proof reads at most a few blocks of 256 leaf hashes.</summary>
    public const int DefaultResidentLevel = 8;

    // Rows read at a time when catching up with the table (at start the whole log is read and checked).
    private const int ReadPage = 4096;

    private readonly WardenDatabase _database;
    private readonly SigningKeyRing _ring;
    private readonly NoteSigningKey _noteKey;
    private readonly TimeProvider _time;
    private readonly MerkleTree _tree;
    private readonly Lock _gate = new();
    private string? _latest;
    private long _latestSize = -1;

    // When the usage writer last asked for a checkpoint; under load it commits many small batches a second, and one
    // signed checkpoint a second is enough (requests for a checkpoint or proof always get a fresh one).
    private long? _lastCommitRefresh;

    /// <summary>Loads and checks the log; throws <see cref="InvalidDataException"/> when it does not match its last checkpoint.</summary>
    /// <param name="database">The data folder's database.</param>
    /// <param name="ring">The receipt signing keys (their rotations are logged; they signed checkpoints before the signed-note form).</param>
    /// <param name="noteKey">The log's note key; its name is the origin (see <see cref="LogIdentityStore"/>).</param>
    /// <param name="time">The clock.</param>
    /// <param name="residentLevel">See <see cref="DefaultResidentLevel"/>.</param>
    public TransparencyLog(
        WardenDatabase database, SigningKeyRing ring, NoteSigningKey noteKey, TimeProvider time, int residentLevel = DefaultResidentLevel)
    {
        _database = database;
        _ring = ring;
        _noteKey = noteKey;
        _time = time;
        LogKeys = [noteKey.Verifier];
        _tree = new MerkleTree(residentLevel, ReadLeafHashes);
        using var connection = database.Open();
        CatchUp(connection);
        string? last = LogEntryRows.LatestCheckpoint(connection);
        if (last is not null)
        {
            var verification = Check(last, out _);
            _latest = last;
            _latestSize = verification.Checkpoint!.TreeSize;

            // A key rotated since the last checkpoint (`warden receipts rotate-key`) was logged, with its public JWK, by
            // the rotation itself, before it could sign anything.
        }

        Refresh();
    }

    /// <summary>The log's name in its checkpoints (the note key's name).</summary>
    public string Origin => _noteKey.Name;

    /// <summary>The log's note verifier key, published at /.well-known/warden/log.vkey.</summary>
    public IReadOnlyCollection<NoteVerifier> LogKeys { get; }

    /// <summary>The number of entries in the tree now (without reading the table first).</summary>
    public long Size
    {
        get
        {
            lock (_gate)
            {
                return _tree.Size;
            }
        }
    }

    /// <summary>Reads entries appended since the last look and signs a checkpoint when there are any; returns the latest signed checkpoint.</summary>
    public string Refresh()
    {
        lock (_gate)
        {
            using var connection = _database.Open();
            CatchUp(connection);
            if (_latest is null || _latestSize != _tree.Size)
            {
                var checkpoint = new Checkpoint(Origin, _tree.Size, _tree.RootHash());
                string signed = SignedCheckpoint.Sign(checkpoint, _noteKey);
                LogEntryRows.StoreCheckpoint(connection, _tree.Size, signed, _time.GetUtcNow());
                _latest = LogEntryRows.CheckpointAt(connection, _tree.Size) ?? signed;
                _latestSize = _tree.Size;
            }

            return _latest;
        }
    }

    /// <summary>
    /// The usage writer's commit notice. The committed entries go straight into the tree when they follow its last
    /// leaf (the writer computed their leaf hashes from the entries it stored, so reading them back would only repeat
    /// that); when they do not (an entry from the CLI came in between and was not read yet) they are left for the next
    /// read of the table. Then <see cref="Refresh"/>, at most once a second (the poller and every checkpoint or proof
    /// request refresh too): a failure here must not look like a failed usage batch (the batch already committed), so
    /// it is left to the next poll or request, which reports it.
    /// </summary>
    public void RefreshAfterCommit(IReadOnlyList<AppendedEntry> committed)
    {
        lock (_gate)
        {
            foreach (var entry in committed)
            {
                if (entry.Index == _tree.Size)
                {
                    _tree.AppendLeafHash(entry.LeafHash);
                }
                else if (entry.Index > _tree.Size)
                {
                    break;
                }
            }
        }

        long now = _time.GetTimestamp();
        if (_lastCommitRefresh is { } last && _time.GetElapsedTime(last, now) < TimeSpan.FromSeconds(1))
        {
            return;
        }

        _lastCommitRefresh = now;
        try
        {
            Refresh();
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidDataException)
        {
            // The poller retries within a second and logs what went wrong.
        }
    }

    /// <summary>The inclusion proof of leaf <paramref name="index"/> at <paramref name="treeSize"/> (null: the latest checkpoint's size).</summary>
    public InclusionAnswer? Inclusion(long index, long? treeSize)
    {
        string latest = Refresh();
        lock (_gate)
        {
            long size = treeSize ?? _latestSize;
            if (index < 0 || size <= index || size > _latestSize)
            {
                return null;
            }

            using var connection = _database.Open();
            string? checkpoint = size == _latestSize ? latest : LogEntryRows.CheckpointAt(connection, size);
            checkpoint = checkpoint is null ? null : SignedCheckpoint.AddSignatureLines(checkpoint, CosignatureRows.LinesAt(connection, size));
            return new InclusionAnswer(index, size, _tree.LeafHash(index), _tree.InclusionProof(index, size), checkpoint);
        }
    }

    /// <summary>The latest signed checkpoint with the witnesses' cosignatures it has so far, and its size.</summary>
    public (string Signed, long Size) LatestCosigned()
    {
        string latest = Refresh();
        long size;
        lock (_gate)
        {
            size = _latestSize;
        }

        using var connection = _database.Open();
        return (SignedCheckpoint.AddSignatureLines(latest, CosignatureRows.LinesAt(connection, size)), size);
    }

    /// <summary>The largest signed checkpoint with at least <paramref name="minimum"/> witness cosignatures (with them), or null.</summary>
    public string? CosignedBy(int minimum)
    {
        using var connection = _database.Open();
        return CosignatureRows.LargestWith(connection, minimum) is { } size && LogEntryRows.CheckpointAt(connection, size) is { } signed
            ? SignedCheckpoint.AddSignatureLines(signed, CosignatureRows.LinesAt(connection, size))
            : null;
    }

    /// <summary>Keeps a witness's cosignature line for the checkpoint of <paramref name="size"/>.</summary>
    public void StoreCosignature(long size, NoteVerifier witness, string line)
    {
        using var connection = _database.Open();
        CosignatureRows.Store(connection, size, witness.ToVkey(), line, _time.GetUtcNow());
    }

    /// <summary>The largest size <paramref name="witness"/> cosigned for this log (0: none).</summary>
    public long LastCosignedBy(NoteVerifier witness)
    {
        using var connection = _database.Open();
        return CosignatureRows.LastCosignedBy(connection, witness.ToVkey());
    }

    /// <summary>The consistency proof between two sizes; null when they are out of range.</summary>
    public IReadOnlyList<byte[]>? Consistency(long from, long to)
    {
        Refresh();
        lock (_gate)
        {
            return from < 0 || to < from || to > _latestSize ? null : _tree.ConsistencyProof(from, to);
        }
    }

    /// <summary>The index of the first configuration entry whose leaf hash is <paramref name="leafHash"/>, or null.</summary>
    public long? FindConfig(byte[] leafHash)
    {
        Refresh();
        using var connection = _database.Open();
        return LogEntryRows.FindConfigByLeafHash(connection, leafHash);
    }

    // Appends the entries stored past the tree's size, a page at a time.
    private void CatchUp(System.Data.Common.DbConnection connection)
    {
        List<LogEntryRows.Row> rows;
        do
        {
            rows = LogEntryRows.Read(connection, _tree.Size, _tree.Size + ReadPage);
            AppendRows(rows);
        }
        while (rows.Count == ReadPage);
    }

    // The tree's reader of earlier leaf hashes (called under the tree's callers' lock).
    private void ReadLeafHashes(long start, int count, Span<byte> destination)
    {
        using var connection = _database.Open();
        LogEntryRows.ReadLeafHashes(connection, start, count, destination);
    }

    private void AppendRows(List<LogEntryRows.Row> rows)
    {
        foreach (var row in rows)
        {
            if (row.Index != _tree.Size)
            {
                throw Mismatch($"entry {_tree.Size} is missing");
            }

            if (!CryptographicOperations.FixedTimeEquals(MerkleHash.Leaf(row.Entry), row.LeafHash))
            {
                throw Mismatch($"entry {row.Index} does not hash to its stored leaf hash");
            }

            _tree.AppendLeafHash(row.LeafHash);
        }
    }

    private CheckpointVerification Check(string signed, out bool legacy)
    {
        var verification = SignedCheckpoint.Verify(signed, LogKeys);
        legacy = false;
        if (!verification.IsValid && LegacyCheckpoint.Verify(signed, _ring.PublicKeys) is { IsValid: true } old)
        {
            // Signed before the upgrade to signed notes: still checked, with the receipt key that signed it.
            (verification, legacy) = (old, true);
        }

        if (!verification.IsValid)
        {
            throw Mismatch("its signature does not verify: " + verification.Reason);
        }

        var checkpoint = verification.Checkpoint!;
        if (checkpoint.TreeSize > _tree.Size)
        {
            throw Mismatch($"the checkpoint covers {checkpoint.TreeSize} entries but only {_tree.Size} are stored");
        }

        if (!CryptographicOperations.FixedTimeEquals(_tree.RootHash(checkpoint.TreeSize), checkpoint.RootHash()))
        {
            throw Mismatch($"the root recomputed over the first {checkpoint.TreeSize} entries differs from the signed root");
        }

        return verification;
    }

    private static InvalidDataException Mismatch(string detail) =>
        new($"the transparency log does not match its last signed checkpoint ({detail}). Refusing to run on a log that was changed.");
}

/// <summary>An inclusion proof and the signed checkpoint of the size it leads to (null when none was signed at that size).</summary>
internal sealed record InclusionAnswer(long Index, long TreeSize, byte[] LeafHash, IReadOnlyList<byte[]> Proof, string? SignedCheckpoint);

/// <summary>Polls the log once a second so configuration changes made by the CLI get a signed checkpoint soon.</summary>
internal sealed partial class TransparencyLogPoller(TransparencyLog log, TimeProvider time, ILogger<TransparencyLogPoller> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                log.Refresh();
            }
            catch (System.Data.Common.DbException ex)
            {
                Telemetry.Log.TransparencyLogRefreshFailed(logger, ex.Code().ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            catch (InvalidDataException ex)
            {
                Telemetry.Log.TransparencyLogRefreshFailed(logger, ex.Message);
            }
        }
    }
}
