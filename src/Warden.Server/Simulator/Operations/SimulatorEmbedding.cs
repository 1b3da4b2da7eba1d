using System.Buffers.Binary;
using System.Text;

namespace Warden.Server.Simulator.Operations;

/// <summary>
/// sim-embed's vectors: character trigrams (with word-boundary padding) hashed into 256 buckets with a hashed sign, then
/// scaled to unit length. Texts that share trigrams share buckets, so similar texts get similar vectors and a retrieval
/// example ranks the right document first; the same text always gets the same vector. A shorter vector (OpenAI's
/// <c>dimensions</c>, Gemini's <c>outputDimensionality</c>) is the prefix scaled to unit length again, as
/// Matryoshka-trained models are truncated.
/// </summary>
internal static class SimulatorEmbedding
{
    public static float[] Of(string text, int dimensions)
    {
        ArgumentNullException.ThrowIfNull(text);
        var full = new double[SimulatorOperationModels.EmbeddingDimensions];
        var padded = " " + text.ToLowerInvariant() + " ";
        Span<byte> bytes = stackalloc byte[12];
        for (int i = 0; i + 3 <= padded.Length; i++)
        {
            int written = Encoding.UTF8.GetBytes(padded.AsSpan(i, 3), bytes);
            ulong hash = Fnv1a(bytes[..written]);
            int bucket = (int)(hash % (ulong)full.Length);
            full[bucket] += (hash >> 63) == 0 ? 1.0 : -1.0;
        }

        if (padded.Length < 3)
        {
            full[0] = 1.0;
        }

        return Normalise(full.AsSpan(0, Math.Clamp(dimensions, 1, full.Length)));
    }

    /// <summary>Cosine similarity of two unit vectors of equal length.</summary>
    public static double Cosine(float[] a, float[] b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        double sum = 0;
        for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            sum += a[i] * (double)b[i];
        }

        return sum;
    }

    /// <summary>The vector as OpenAI's base64 encoding_format sends it: little-endian float32s.</summary>
    public static string Base64(float[] vector)
    {
        ArgumentNullException.ThrowIfNull(vector);
        var bytes = new byte[vector.Length * sizeof(float)];
        for (int i = 0; i < vector.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), vector[i]);
        }

        return Convert.ToBase64String(bytes);
    }

    /// <summary>64-bit FNV-1a: stable across runs and platforms, unlike string.GetHashCode.</summary>
    public static ulong Fnv1a(ReadOnlySpan<byte> bytes)
    {
        ulong hash = 14695981039346656037UL;
        foreach (var b in bytes)
        {
            hash = unchecked((hash ^ b) * 1099511628211UL);
        }

        return hash;
    }

    private static float[] Normalise(ReadOnlySpan<double> values)
    {
        double norm = 0;
        foreach (var value in values)
        {
            norm += value * value;
        }

        norm = Math.Sqrt(norm);
        var result = new float[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            // A text whose every trigram fell outside the prefix still gets a unit vector.
            result[i] = norm == 0 ? (i == 0 ? 1f : 0f) : (float)(values[i] / norm);
        }

        return result;
    }
}
