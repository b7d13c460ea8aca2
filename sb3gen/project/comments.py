"""The short editor comments on each custom block of the network, in English and Japanese."""

from __future__ import annotations

COMMENTS: dict[str, dict[str, str]] = {
    "en": {
        "exp_tables": "result = e^x, read from the exp table (x from -10 to 10 in steps of 0.001, clamped)",
        "log_tables": "result = ln(p) for a probability p, read from the log table (steps of 0.0001)",
        "exp_native": "result = e^x",
        "log_native": "result = ln(p); p below 1e-7 counts as 1e-7 (ln 0 would be minus infinity)",
        "sigmoid_group": "each neuron = 1 / (1 + e^-neuron), e^ read from the exp table as in `exp of`",
        "neuron_forward": "{name} = its bias + weight x input for every input of the layer before",
        "neuron_update": "the bias and weights into {name}: each -= LEARNING_RATE x error (x input)",
        "find_strokes": "list the pixels that are 1 (ink): only they add to the first layer",
        "find_strokes_packed": "unpack an image (6 pixels per symbol, see `symbols`): list its pixels that "
                               "are 1",
        "forward_pass": "run the stroke pixels through every layer; the outputs become probabilities",
        "first_layer_forward": "each neuron = bias + the weights of the stroke pixels (pixels are 0 or 1)",
        "dense_layer_forward": "each neuron = its bias + weight x input for every input of the layer before",
        "softmax": "predicted digit = the digit with the largest score; then each score becomes a "
                   "probability e^(score - largest score) / sum of scores",
        "layer_items": "; its weights are items {first:,} to {last:,} of the weights list ({rows} rows "
                       "of {n_in}, one row per neuron), its biases items {first_bias:,} to {last_bias:,}",
        "save_activations": "activations = input pixels, then every layer's outputs",
        "learn": "one step of gradient descent for the image just run forward",
        "output_deltas": "output error: probability, minus 1 at the right digit; adds ln(p) to log sum",
        "hidden_deltas_sigmoid": "error: weighted errors of the next layer x a(1-a) (the sigmoid slope)",
        "hidden_deltas_relu": "error: weighted errors of the next layer, 0 where the neuron was off",
        "first_layer_update": "weight -= learning rate x error, only for stroke pixels (the others are 0)",
        "dense_layer_update": "weight -= learning rate x error x input; bias -= learning rate x error",
        "train_chunk": "train on n images in a row, without redrawing the screen",
        "test_chunk": "classify n test images in a row and count the correct ones",
        "prepare_epoch": "a new order of the training images (Park-Miller generator, Fisher-Yates shuffle) "
                         "and this epoch's learning rate LEARNING_RATE / (1 + epoch x LEARNING_RATE_DECAY)",
        "show_progress": "progress in percent, and images per second in real time (timer moves per frame)",
        "run_test": "classify every test image in chunks; accuracy, predictions and the confusion matrix",
        "correct": "a correction: keep input in my digits with its right digit and learn it a few times",
        "store_my_digit": "pack input into one text item of my digits, like the training images",
        "train_my_digits": "test, epochs over my digits (each followed by training images), test again",
        "train_my_digit": "learn my digit n, then the next training images (so the rest is not forgotten)",
        "count_mistakes": "confusion matrix (row: right digit, column: answer), accuracy by digit, mistakes",
        "conv_items": "; its kernels are items {first:,} to {last:,} of the weights list ({rows} filters of "
                      "{n_in}: kernel row by row), its biases items {first_bias:,} to {last_bias:,}",
        "conv_update": "for each pooled output above 0: bias -= LEARNING_RATE x error, and the kernel weight "
                       "of every tap over a pixel that is 1 (at the winning position)",
        "pool_deltas": "the next layer's biases learn (step = error x LEARNING_RATE), then for each pooled "
                       "output above 0: its error and the next layer's weights from it",
        "randomize": "fresh weights between -{limit} and {limit} (scaled for {n_in} inputs), biases 0",
        "conv_pool_forward": "3x3 convolution and 2x2 max-pool together: per pool window, the largest sum of "
                             "each filter over its positions; relu; only the outputs above 0 are kept, in "
                             "the pool's `active` lists",
        "conv_window_starts": "every filter's sum at every position of the pool window starts at its bias",
        "conv_window_row": "for each pixel of this row under the window that is 1: every position's sums "
                           "whose kernel covers it += that kernel weight",
        "conv_window_maxima": "each filter's largest sum over the window's positions goes into its sum 1 "
                              "(the first wins ties), and where it was into its winner",
        "conv_maps": "the full feature maps (row, column, filter) with relu, for `save activations`",
        "conv_pixels": "the input as a list of 196 pixels, 1 where the drawing is, for the blocks that look "
                       "at pixels one by one",
        "conv_pool_forward_table": "the same, reading the sums from the conv table (`test`: the weights do "
                                   "not change during it)",
        "forward_pass_table": "the forward pass of `test`: the conv's sums read from the conv table",
        "conv_window_pair_table": "during `test`: each filter's largest sum over the window = the larger of "
                                  "the pair table's entries for its top and bottom two positions (a window "
                                  "without a 1 pixel is skipped when no filter's bias is above 0)",
        "conv_pair_table": "for each pattern of 0/1 pixels 3 rows high and 4 wide and filter: the larger of "
                           "the conv table's sums at its left and right 3x3 positions, 0 if below 0 (relu); "
                           "empty window code = "
                           "0 if no filter is above 0 on an empty window, else -1",
        "conv_row_codes": "for each pixel row and pool window: the code of its 4 pixels in the row (1, 2, 4, "
                          "8 where they are 1) times the number of filters; a pixel is in two windows",
        "dense_after_map_forward_lists": "the same during `test`, each neuron's weights read from its own "
                                         "list",
        "neuron_lists": "a copy of each neuron's weights in a list of its own, for `test` (emptied after it)",
        "dense_biases": "each neuron starts at its bias",
        "dense_relu": "relu: each neuron below 0 becomes 0",
        "conv_table": "for each 3x3 pattern of 0/1 pixels and filter: bias + the kernel weights over its 1 "
                      "pixels, each from the pattern without its last 1 pixel (the sums of pixel by pixel)",
        "pool_maps": "the full pooled maps: the active values at their items, 0 elsewhere",
        "dense_after_map_forward": "each neuron = its bias + weight x input for every pooled output above 0",
        "pool_errors_and_learning": "one pooled output (item map #, its pooled value): error = the sum of "
                                    "weight x error over the neurons above 0, then each of those weights -= "
                                    "step x pooled value",
        "conv_map_pool_forward": "3x3 convolution on the pooled maps before it and 2x2 max-pool together: "
                                 "per pool window, the largest sum of each filter over its positions; relu; "
                                 "only the outputs above 0 are kept, in the pool's `active` lists",
        "conv_window_input": "for each channel of this input position under the window that is above 0: "
                             "every position's sums whose kernel covers it += kernel weight x input",
        "conv_map_maps": "the full feature maps (row, column, filter) with relu, for `save activations`: "
                         "each sum = bias + kernel weight x input for the inputs above 0",
        "conv_map_deltas": "errors of the pooled outputs above 0 before this conv: for each of its pooled "
                           "outputs above 0, + kernel weight x its error into every input under its winning "
                           "position that is above 0",
        "conv_map_update": "for each pooled output above 0: bias -= LEARNING_RATE x error, and every kernel "
                           "weight -= LEARNING_RATE x error x its input at the winning position (the inputs "
                           "above 0)",
        # The entry scripts (hats): what starts each one and what it leaves on the stage.
        "start_here": "START HERE. This sprite is the neural network: it reads a 14x14 picture of a digit, "
                      "says which digit it is, and learns. Every number it uses is in the stage list "
                      "weights. Read first the three scripts after this one: when I receive [predict] (one "
                      "picture), [test] (every test image), [train] (one epoch of learning). Then `forward "
                      "pass`, layer by layer: {layers}. Other sprites use only the stage: lists input (196 "
                      "pixels, 0 or 1), probabilities (digit 0 first), weights, layer sizes, variable "
                      "prediction, the broadcasts.",
        "hat_train": "Train one epoch button: every training image once, in a new order (forward pass, then "
                     "learning); sets loss, adds 1 to epoch",
        "hat_test": "Test button: classify every test image; sets accuracy, predictions and the confusion "
                    "matrix (the weights do not change)",
        "hat_predict": "Predict button: classify the picture in the stage list input; sets prediction and "
                       "the 10 probabilities",
        "hat_unpack": "the packed image in the variable packed image -> the stage list input (0/1 pixels)",
        "hat_forget": "empty my digits and my labels (the weights keep what they learned)",
        "hat_restore": "the trained weights back (from shipped weights); epoch 0 and its learning rate",
        "hat_randomize": "random weights, to learn from scratch; epoch 0 and a larger learning rate",
        "decode_int8": "weights = code x scale: each weight is two symbols of int8 weights (code + 127 = "
                       "64 x first + second, symbol values from symbols), each layer has its scale in "
                       "weight scales for as many weights as scale counts says",
        "flag_int8": "int8 weights ship empty weights: decode them once, at the green flag",
    },
    "ja": {
        "exp_tables": "result = e^x（expテーブルから読む。xは-10〜10、0.001刻み、範囲外は端の値）",
        "log_tables": "result = ln(p)（logテーブルから読む。0.0001刻み）",
        "exp_native": "result = e^x",
        "log_native": "result = ln(p)（pが1e-7未満なら1e-7として計算。ln 0 はマイナス無限大のため）",
        "sigmoid_group": "各ニューロン = 1 / (1 + e^-ニューロン)（e^ は `exp of` と同じくexpテーブルから）",
        "neuron_forward": "{name} = バイアス + 前の層の各入力 × 重み",
        "neuron_update": "{name} へのバイアスと重み：それぞれ -= LEARNING_RATE × 誤差（× 入力）",
        "find_strokes": "値が1（インク）の画素を集める：最初の層に足すのはこの画素だけ",
        "find_strokes_packed": "詰めた画像（1記号に6画素、`symbols` を参照）を開き、値が1の画素を集める",
        "forward_pass": "順伝播：全ての層を通し、出力を確率にする",
        "first_layer_forward": "各ニューロン = バイアス + インク画素の重み（画素は0か1）",
        "dense_layer_forward": "各ニューロン = バイアス + 前の層の各入力 × 重み",
        "softmax": "予測 = スコアが最大の数字。そして各スコアを確率 e^(スコア - largest score) / "
                   "sum of scores にする",
        "layer_items": "。重みは weights リストの {first}〜{last} 番目"
                       "（ニューロンごとに{n_in}個ずつ{rows}行）、バイアスは {first_bias}〜{last_bias} 番目",
        "save_activations": "activations = 入力画素、続けて各層の出力",
        "learn": "いま順伝播した画像で勾配降下を1回",
        "output_deltas": "出力の誤差：確率（正解の数字は確率-1）。ln(p) を log sum に足す",
        "hidden_deltas_sigmoid": "各ニューロンの誤差：次の層の誤差の重み付き和 × a(1-a)（sigmoidの傾き）",
        "hidden_deltas_relu": "各ニューロンの誤差：次の層の誤差の重み付き和（出力0のニューロンは0）",
        "first_layer_update": "重み -= 学習率 × 誤差（インク画素の重みだけ。他は入力0）",
        "dense_layer_update": "重み -= 学習率 × 誤差 × 入力、バイアス -= 学習率 × 誤差",
        "train_chunk": "n枚続けて学習（画面を再描画せずに）",
        "test_chunk": "テスト画像をn枚続けて分類し、正解を数える",
        "prepare_epoch": "訓練画像の新しい順番（Park-Miller乱数、Fisher-Yatesシャッフル）と、"
                         "このエポックの学習率 LEARNING_RATE / (1 + epoch × LEARNING_RATE_DECAY)",
        "show_progress": "進み具合（%）と1秒あたりの画像数を更新（実時間：timerはフレームの間しか進まない）",
        "run_test": "テスト画像をまとめて分類：正解率・予測・混同行列",
        "correct": "訂正：inputを正しい数字と一緒に「自分の数字」にしまい、何回か学習する",
        "store_my_digit": "inputを訓練画像と同じく1つの文字列にして「自分の数字」に加える（6画素で1文字）",
        "train_my_digits": "テスト、自分の数字（間に訓練画像）で数エポック学習、またテスト",
        "train_my_digit": "自分の数字nを学習し、続けて次の訓練画像も学習（ほかを忘れないように）",
        "count_mistakes": "混同行列（行 = 正しい数字、列 = 答え）、数字ごとの正解率、まちがえた画像",
        "conv_items": "。カーネルは weights リストの {first}〜{last} 番目"
                      "（フィルターごとに{n_in}個、カーネルの行ごと）、"
                      "バイアスは {first_bias}〜{last_bias} 番目",
        "conv_update": "0より大きいプーリング出力ごとに：バイアス -= LEARNING_RATE × 誤差、"
                       "勝った位置で値が1の画素の"
                       "カーネル重みも同じく",
        "pool_deltas": "次の層のバイアスの学習（step = 誤差 × LEARNING_RATE）、"
                       "そして0より大きいプーリング出力ごとに：その誤差と、そこからの次の層の重みの学習",
        "randomize": "新しい重み（-{limit}〜{limit}、入力{n_in}個に合わせた範囲）、バイアスは0",
        "conv_pool_forward": "3x3畳み込みと2x2最大プーリングをいっしょに："
                             "窓ごとに各フィルターの最大の和、relu。"
                             "0より大きい出力だけをプーリングの active リストに残す",
        "conv_window_starts": "窓の各位置の各フィルターの和をバイアスから始める",
        "conv_window_row": "窓のこの行で値が1の画素ごとに："
                           "それをおおうカーネルの位置の和 += そのカーネル重み",
        "conv_window_maxima": "各フィルターの窓の中での最大の和を sum 1 に（同じなら先のもの）、"
                              "その位置を winner に",
        "conv_maps": "relu した特徴マップ全体（行、列、フィルター）。save activations 用",
        "conv_pixels": "入力を196画素のリストに（描いたところが1）。画素を1つずつ見るブロック用",
        "conv_pool_forward_table": "同じく、和を畳み込み表から読む（test の間は重みが変わらない）",
        "forward_pass_table": "test の順伝播：畳み込みの和は畳み込み表から読む",
        "conv_window_pair_table": "test の間：窓の中の各フィルターの最大の和 = "
                                  "上の2つの位置と下の2つの位置のペア表の値の大きいほう"
                                  "（1の画素のない窓は、0より大きいバイアスがなければ飛ばす）",
        "conv_pair_table": "縦3・横4の0/1の模様とフィルターごとに："
                           "左と右の3x3の位置の畳み込み表の和の大きいほう。"
                           "empty window code = "
                           "空の窓で0より大きいフィルターがなければ0、あれば-1",
        "conv_row_codes": "画素の行とプーリングの窓ごとに：その行の窓の4画素の符号（1なら1、2、4、8）"
                          "× フィルターの数。画素は2つの窓に入る",
        "dense_after_map_forward_lists": "test の間の同じ計算。各ニューロンの重みはそれぞれのリストから読む",
        "neuron_lists": "test 用に各ニューロンの重みをそれぞれのリストにコピーする（test のあとで空にする）",
        "dense_biases": "各ニューロンをバイアスから始める",
        "dense_relu": "relu：0より小さいニューロンは0にする",
        "conv_table": "3x3の0/1の模様とフィルターごとに：バイアス + 値が1の画素のカーネル重み"
                      "（最後の1の画素のない模様の値から。画素ごとに足すのと同じ和）",
        "pool_maps": "プーリング出力全体：active の値をその番号に、ほかは0",
        "dense_after_map_forward": "各ニューロン = バイアス + 0より大きいプーリング出力ごとの入力 × 重み",
        "pool_errors_and_learning": "プーリング出力1つ（番号 map #、値 pooled value）：error = 0より大きい"
                                    "ニューロンの重み × 誤差の和。そしてその重み -= step × pooled value",
        "conv_map_pool_forward": "前のプーリング出力のマップへの3x3畳み込みと2x2最大プーリングをいっしょに："
                                 "プーリングの窓ごとに各フィルターの最大の和、relu、0より大きい出力だけを "
                                 "active リストに残す",
        "conv_window_input": "窓の下のこの入力位置のチャンネルごとに0より大きければ：その位置を覆う"
                             "各位置の和 += カーネル重み × 入力",
        "conv_map_maps": "relu した特徴マップ全体（行、列、フィルター）。save activations 用：各和 = "
                         "バイアス + 0より大きい入力 × カーネル重み",
        "conv_map_deltas": "この畳み込みの前の0より大きいプーリング出力の誤差：0より大きい各プーリング出力"
                           "について、勝った位置の下の0より大きい入力の誤差へ カーネル重み × 誤差 を足す",
        "conv_map_update": "0より大きいプーリング出力ごとに：バイアス -= LEARNING_RATE × 誤差、"
                           "各カーネル重み -= LEARNING_RATE × 誤差 × 勝った位置の入力（0より大きい入力）",
        "start_here": "ここから読もう。このスプライトがニューラルネットワーク：14x14の数字の絵を読み、"
                      "どの数字か答え、学習もする。使う数はすべてステージのリスト weights にある。"
                      "まずこの次の3つのスクリプトを読もう：[predict] を受け取ったとき（絵1枚）、[test]"
                      "（テスト画像すべて）、[train]（1エポックの学習）。次に `forward pass` を層ごとに："
                      "{layers}。ほかのスプライトはステージだけを使う：リスト input（196画素、0か1）、"
                      "probabilities（数字0から順に）、weights、layer sizes、"
                      "変数 prediction、メッセージ。",
        "hat_train": "「1エポック学習」ボタン：訓練画像をすべて新しい順番で1回ずつ（順伝播、そして学習）。"
                     "loss を決め、epoch に1を足す",
        "hat_test": "「テスト」ボタン：テスト画像をすべて分類し、accuracy・predictions・混同行列を決める"
                    "（重みは変わらない）",
        "hat_predict": "「はんてい」ボタン：ステージのリスト input の絵を分類し、"
                       "prediction と10個の確率を決める",
        "hat_unpack": "変数 packed image の詰めた画像 -> ステージのリスト input（0/1の画素）",
        "hat_forget": "my digits と my labels を空にする（重みは学んだまま）",
        "hat_restore": "学習済みの重みに戻す（shipped weights から）。epoch は0、学習率も元に",
        "hat_randomize": "ランダムな重み。最初から学習するため。epoch は0、学習率は大きめに",
        "decode_int8": "重み = コード x スケール。重みは int8 weights の2文字（コード + 127 = "
                       "64 x 1文字目 + 2文字目、値は symbols から）。層ごとのスケールは weight scales、"
                       "その数は scale counts",
        "flag_int8": "int8 の重みは weights が空で届く。緑の旗で一度だけ復元する",
    },
}
