# 位置编码（李明）
import torch


def sinusoidal_positional_encoding(seq_len, d_model, base=10000.0, dtype=torch.float32):
    if d_model % 2 != 0:
        raise ValueError("d_model 必须是偶数")
    pos = torch.arange(seq_len, dtype=torch.float64).unsqueeze(1)
    div = base ** (torch.arange(0, d_model, 2, dtype=torch.float64) / d_model)
    # 前一半放 sin，后一半放 cos
    return torch.cat([torch.sin(pos / div), torch.cos(pos / div)], dim=-1).to(dtype)
