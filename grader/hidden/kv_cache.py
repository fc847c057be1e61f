"""Hidden cases for kv_cache (problem 11).

A case either calls the module once (with or without a cache passed in) or
feeds ``x`` in chunks, threading the cache each call returns into the next one
(``module_call(..., chunks=...)``). The cache passed in is what a correct module
would hold after some earlier tokens: their keys and values projected with the
case's own weights. Wherever a catalogued mistake must show there are cached
tokens (T_past >= 1), chunks of several new tokens (T_new >= 2) and several
heads (H >= 2), so each mistake changes the output instead of its shape.

Feeding a sequence whole, as a prompt followed by single tokens, and in uneven
chunks must give the same outputs: each such case is compared with one call of
the reference on the whole sequence and names the first token that differs
(:mod:`grader.hidden._cache`). Gradient cases differentiate the output; the
returned cache may be in the autograd graph or out of it.
"""

from dataclasses import replace

import torch

from grader.cases import Case, module_call
from grader.checks import all_finite, batch_independent, match_reference, property_then, raises
from grader.hidden._cache import cache_prefix_kept, output_gradients_match, same_as_one_call
from grader.hidden._inputs import randint_float, randn
from grader.hidden._large_scores import one_hot_keys, position_tokens, reads_position, scores_either_side
from grader.hidden._modules import linear_state
from grader.hidden.scaled_dot_product_attention import FINITE_FILL_HINT
from grader.i18n import t

F32, F64 = torch.float32, torch.float64
SYMBOL = "CachedSelfAttention"
PROJECTIONS = ("q_proj", "k_proj", "v_proj", "out_proj")


def _state(rng, embed_dim, dtype):
    state = {}
    for name in PROJECTIONS:
        state |= linear_state(rng, name, embed_dim, embed_dim, bias=True, dtype=dtype)
    return state


def _projected_cache(state, x_past, heads):
    """(k, v) of the tokens ``x_past`` (B, T_past, E) under ``state``: what a correct module keeps."""
    B, T_past, E = x_past.shape

    def split(name):
        y = x_past @ state[f"{name}.weight"].T + state[f"{name}.bias"]  # (B, T_past, E)
        y = y.view(B, T_past, heads, E // heads)  # (B, T_past, H, hd)
        return y.transpose(1, 2).contiguous()  # (B, H, T_past, hd)

    return split("k_proj"), split("v_proj")


def _cached(rng, embed_dim, heads, batch, new, *, past=None, chunks=(), dtype=F32,
            as_list=False, grad=False, grad_seed=0):
    """Module invocation on ``new`` random tokens.

    Args:
        past: None (no ``cache`` argument), or the number of earlier tokens whose
            projected keys and values are passed as ``cache`` (0: empty tensors).
        chunks: feed the new tokens in pieces of these lengths.
        as_list: pass the cache as a list [k, v] instead of a tuple.
        grad: differentiate with respect to x and every parameter.
    """
    state = _state(rng, embed_dim, dtype)
    kwargs = {}
    if past is not None:
        cache = _projected_cache(state, randn(rng, batch, past, embed_dim, dtype=dtype), heads)
        kwargs["cache"] = list(cache) if as_list else cache
    x = randn(rng, batch, new, embed_dim, dtype=dtype)
    return module_call(SYMBOL, (embed_dim, heads), state_dict=state, dtype=dtype, args=(x,),
                       kwargs=kwargs, chunks=chunks, grad=["0"] if grad else None,
                       param_grads=grad, grad_seed=grad_seed)


def _no_cache(rng):
    return replace(_cached(rng, 8, 2, 2, 6), kwargs={"cache": None})


def _prompt_then_tokens(rng):
    return _cached(rng, 12, 3, 2, 7, chunks=(3, 1, 1, 1, 1))


def _uneven_chunks(rng):
    return _cached(rng, 8, 2, 2, 8, chunks=(2, 3, 1, 2))


def _chunks_after_cache(rng):
    return _cached(rng, 8, 4, 2, 7, past=2, chunks=(3, 1, 1, 2), dtype=F64)


def _chunk_after_cache(rng):
    return _cached(rng, 8, 2, 2, 4, past=3, dtype=F64)


def _prefix_kept(rng):
    return _cached(rng, 12, 3, 2, 2, past=5, dtype=F64)


def _empty_cache(rng):
    return _cached(rng, 8, 2, 2, 5, past=0)


def _list_cache(rng):
    return _cached(rng, 8, 2, 2, 3, past=3, as_list=True)


def _one_step(rng):
    return _cached(rng, 16, 4, 3, 1, past=11)


def _grads_float64(rng):
    return _cached(rng, 8, 2, 2, 3, past=2, dtype=F64, grad=True, grad_seed=3)


def _grads_chunked(rng):
    return _cached(rng, 12, 3, 2, 5, chunks=(2, 1, 2), grad=True, grad_seed=5)


def _bad_embed_dim(rng):
    return module_call(SYMBOL, (10, 4), args=None)


def _one_head(rng):
    return _cached(rng, 6, 1, 2, 4, past=1, chunks=(2, 2), dtype=F64)


def _batch_independence(rng):
    # Batch elements 0 and 2 are identical (tokens and cache); element 1 differs.
    invocation = _cached(rng, 8, 2, 2, 5, past=2, chunks=(3, 2))
    k, v = invocation.kwargs["cache"]
    x = invocation.args[0]
    return replace(invocation, args=(torch.cat([x, x[:1]]),),
                   kwargs={"cache": (torch.cat([k, k[:1]]), torch.cat([v, v[:1]]))})


def _scores_near_minus_1e4(rng):
    # head_dim = 1 (E = H = 2): every query is 1 and every key is an integer minus 10000,
    # so each scaled score is exact: -10000 … -9997 for cached keys, -9999 … -9997 for new
    # ones. A blocked (future) key filled with -1e4 would weigh as much as an allowed one.
    # In float64 (see problem 1's 1.17).
    E = H = 2
    state = {"q_proj.weight": torch.zeros(E, E, dtype=F64), "q_proj.bias": torch.ones(E, dtype=F64),
             "k_proj.weight": torch.eye(E, dtype=F64), "k_proj.bias": torch.full((E,), -10000.0, dtype=F64)}
    state |= linear_state(rng, "v_proj", E, E, bias=True, dtype=F64) | linear_state(
        rng, "out_proj", E, E, bias=True, dtype=F64)
    cache = (randint_float(rng, 0, 4, 2, H, 2, 1, dtype=F64) - 10000.0, randn(rng, 2, H, 2, 1, dtype=F64))
    x = randint_float(rng, 1, 4, 2, 4, E, dtype=F64)  # keys of the new tokens: x - 10000
    return module_call(SYMBOL, (E, H), state_dict=state, dtype=F64, args=(x,), kwargs={"cache": cache})


def _future_above_zero(rng):
    # head_dim = 4 (E = 8, H = 2), one cached token and three new ones: four positions, key p is
    # 2·e_p (the cache holds e_0's; new token t is the unit vector e_t, then random integers the
    # query and key projections ignore, and its key is 2·e_(t+1)). Query t of head h holds its
    # scaled scores: -1e4 - {0..3} for the cached key and new keys 0 … t, 0 … 3 for the new
    # keys after t. A future key filled with -1e4, or shifted by an added -1e4, then ties with
    # or beats the allowed ones (11.13 catches only the fill). In float64.
    E, H, hd = 8, 2, 4
    B, T_past, T_new = 2, 1, 3
    allowed = torch.ones(T_new, T_past + T_new, dtype=torch.bool).tril(diagonal=T_past)
    q, k = one_hot_keys(scores_either_side(rng, allowed.expand(H, T_new, T_past + T_new)), hd)  # (H, 3, 4), (H, 4, 4)
    zeros = torch.zeros(E, dtype=F64)
    state = {"q_proj.weight": reads_position(q.transpose(0, 1).reshape(T_new, E), E), "q_proj.bias": zeros,
             "k_proj.weight": reads_position(k[:, T_past:].transpose(0, 1).reshape(T_new, E), E),
             "k_proj.bias": zeros}
    state |= linear_state(rng, "v_proj", E, E, bias=True, dtype=F64) | linear_state(
        rng, "out_proj", E, E, bias=True, dtype=F64)
    cache = (k[:, :T_past].expand(B, H, T_past, hd).contiguous(), randn(rng, B, H, T_past, hd, dtype=F64))
    x = position_tokens(rng, B, T_new, E)
    return module_call(SYMBOL, (E, H), state_dict=state, dtype=F64, args=(x,), kwargs={"cache": cache})


_OFFSET_HINT = t("New token t is at position T_past + t: it sees every cached token and new "
                 "tokens 0 … t, so the mask of a chunk is shifted by T_past.",
                 "第 t 个新词元位于位置 T_past + t：它能看到每个缓存的词元和第 0 … t 个新词元，"
                 "所以块的掩码要偏移 T_past。")
_CHUNK_HINT = t("Each call returns the cache the next call reads: the old keys and values followed "
                "by those of the new tokens, shape (B, H, T_past + T_new, head_dim).",
                "每次调用返回的缓存就是下一次调用要读取的：旧的键和值后面接上新词元的键和值，"
                "形状为 (B, H, T_past + T_new, head_dim)。")
_GRAD_HINT = t("Keep every step differentiable, the cache included: a later chunk's output "
               "depends on earlier tokens through the keys and values it reads from the cache.",
               "每一步都要可微，缓存也不例外：后面的块的输出通过从缓存中读取的键和值依赖于前面的词元。")

CASES = [
    Case("11.1", t("cache=None: a whole sequence in one call", "cache=None：整个序列一次输入"), 1.0,
         _no_cache, tags=("shapes", "causal"),
         hint=t("Causal self-attention over the new tokens; return (output, (k, v)) with the "
                "keys and values of every token, shape (B, H, T, head_dim).",
                "对新词元做因果自注意力；返回 (output, (k, v))，其中 k 和 v 是每个词元的键和值，"
                "形状为 (B, H, T, head_dim)。")),
    Case("11.2", t("a prompt of 3 tokens, then one token at a time", "先输入 3 个词元的提示词，再逐个输入词元"),
         1.0, _prompt_then_tokens, check=property_then(same_as_one_call(), match_reference()),
         tags=("chunks", "cache"), hint=_CHUNK_HINT),
    Case("11.3", t("uneven chunks of 2, 3, 1 and 2 tokens", "长度为 2、3、1、2 的不等长块"), 1.0,
         _uneven_chunks, check=property_then(same_as_one_call(), match_reference()),
         tags=("chunks", "causal"), hint=_CHUNK_HINT),
    Case("11.4", t("a cache passed in, then chunks of 3, 1, 1 and 2 tokens (float64, 4 heads)",
                   "传入缓存，再输入长度为 3、1、1、2 的块（float64，4 个头）"), 1.0,
         _chunks_after_cache, check=property_then(same_as_one_call(), match_reference()),
         tags=("chunks", "cache", "dtype"), hint=_CHUNK_HINT),
    Case("11.5", t("3 cached tokens and 4 new ones in one call (float64)",
                   "3 个缓存的词元和 4 个新词元，一次调用（float64）"), 1.0, _chunk_after_cache,
         tags=("cache", "causal", "dtype"), hint=_OFFSET_HINT),
    Case("11.6", t("the returned cache begins with the cache passed in, bit for bit",
                   "返回的缓存以传入的缓存开头，逐位相同"), 1.0, _prefix_kept,
         check=property_then(cache_prefix_kept(), match_reference()), tags=("cache",),
         hint=t("Return the old keys and values followed by the new ones, and leave the tensors "
                "you were given unchanged.",
                "返回旧的键和值后面接上新的键和值，并保持传入的张量不变。")),
    Case("11.7", t("a cache of empty tensors (T_past = 0) means no cache",
                   "由空张量组成的缓存（T_past = 0）等同于没有缓存"), 0.5, _empty_cache,
         tags=("cache", "shapes"),
         hint=t("With T_past = 0 the mask is the ordinary causal triangle and the new cache holds "
                "only the new tokens.",
                "T_past = 0 时掩码就是普通的因果三角形，新的缓存只包含新词元。")),
    Case("11.8", t("a cache given as a list [k, v]", "以列表 [k, v] 给出的缓存"), 0.5, _list_cache,
         tags=("cache",),
         hint=t("Unpack the cache with k_past, v_past = cache: that works for a tuple and a list.",
                "用 k_past, v_past = cache 解包缓存：元组和列表都适用。")),
    Case("11.9", t("one decoding step after 11 cached tokens", "在 11 个缓存的词元之后解码一步"), 1.0,
         _one_step, tags=("cache", "decoding"), hint=_OFFSET_HINT),
    Case("11.10", t("gradients of x and every parameter, with a cache passed in (float64)",
                    "传入缓存时 x 和每个参数的梯度（float64）"), 1.0, _grads_float64,
         check=output_gradients_match(), tags=("gradients",), hint=_GRAD_HINT),
    Case("11.11", t("gradients of x and every parameter through chunks of 2, 1 and 2 tokens",
                    "按长度为 2、1、2 的块输入时 x 和每个参数的梯度"), 1.0, _grads_chunked,
         check=output_gradients_match(), tags=("gradients", "chunks"), hint=_GRAD_HINT),
    Case("11.12", t("embed_dim not divisible by num_heads raises ValueError",
                    "embed_dim 不能被 num_heads 整除时抛出 ValueError"), 0.5, _bad_embed_dim,
         check=raises("ValueError", why=t("embed_dim=10 cannot be split into 4 heads",
                                          "embed_dim=10 无法分成 4 个头")),
         tags=("errors",),
         hint=t("Check embed_dim % num_heads in __init__ and raise ValueError.",
                "在 __init__ 中检查 embed_dim % num_heads 并抛出 ValueError。")),
    Case("11.13", t("allowed scores near −1e4 next to blocked future keys (head_dim = 1, float64)",
                    "被屏蔽的未来键旁边，允许的得分接近 −1e4（head_dim = 1，float64）"), 1.0,
         _scores_near_minus_1e4, check=all_finite(compare_where_exact=True),
         tags=("stability", "causal"),
         hint=t("Fill blocked scores with -inf (or a value below any legal score, such as the "
                "dtype's minimum): a finite −1e4 is a score that allowed keys reach here.",
                "用 -inf（或低于任何合法得分的值，例如 dtype 的最小值）填充被屏蔽的得分："
                "有限值 −1e4 是这里允许的键也会达到的得分。")),
    Case("11.14", t("one head (num_heads = 1), a cache and two chunks (float64)",
                    "一个头（num_heads = 1），有缓存，两个块（float64）"), 0.5, _one_head,
         check=property_then(same_as_one_call(), match_reference()), tags=("shapes", "chunks")),
    Case("11.15", t("batch elements are independent", "批中的各个元素互不影响"), 0.5,
         _batch_independence,
         check=batch_independent(),
         tags=("invariant",)),
    Case("11.16", t("allowed scores near −1e4, future keys of the chunk at 0 and above (head_dim = 4, float64)",
                    "允许的得分接近 −1e4，块中未来的键得分不低于 0（head_dim = 4，float64）"), 1.0,
         _future_above_zero, check=all_finite(compare_where_exact=True),
         tags=("stability", "causal"), hint=FINITE_FILL_HINT),
]
