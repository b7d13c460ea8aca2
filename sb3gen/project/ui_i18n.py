"""English and Japanese words of the user interface: button labels, messages, captions, block comments.

Names that scripts or tools refer to (sprites, variables, lists, broadcasts) stay English in both languages;
everything a person reads is translated.
"""

from __future__ import annotations

from sb3gen.errors import Sb3genError

LANGUAGES = ("en", "ja")

_TEXT: dict[str, dict[str, str]] = {
    # Button labels (costumes)
    "button predict": {"en": "Predict", "ja": "はんてい"},
    "button clear": {"en": "Clear", "ja": "けす"},
    "button training image": {"en": "Training image", "ja": "訓練画像を見る"},
    "button test": {"en": "Test", "ja": "テスト"},
    "button train": {"en": "Train one epoch", "ja": "1エポック学習"},
    "button restore": {"en": "Restore weights", "ja": "重みを元に戻す"},
    "button randomize": {"en": "Random weights", "ja": "重みをランダムに"},
    # Messages (the message line under the pad shows them)
    "hello": {"en": "Draw a digit on the pad!", "ja": "パッドに数字を書いてね！"},
    "busy": {"en": "Busy: please wait", "ja": "計算中です。待ってね"},
    "i think": {"en": "I think it is a ", "ja": "これは "},
    "i think end": {"en": "", "ja": " だと思う"},
    "empty pad": {"en": "The pad is empty: draw a digit first", "ja": "パッドが空です。先に数字を書いてね"},
    "training": {"en": "Training one epoch...", "ja": "1エポック学習中..."},
    "trained": {"en": "Done! Epoch ", "ja": "学習しました！ エポック "},
    "loss": {"en": ", loss ", "ja": "、損失 "},
    "testing": {"en": "Testing...", "ja": "テスト中..."},
    "tested": {"en": "Accuracy on the test images: ", "ja": "テスト画像の正解率: "},
    "percent": {"en": "%", "ja": "%"},
    "restored": {"en": "The trained weights are back", "ja": "学習済みの重みに戻しました"},
    "randomized": {"en": "Random weights: press Train to learn",
                   "ja": "重みをランダムにしました。学習してみよう"},
    "training image": {"en": "Training image ", "ja": "訓練画像 "},
    "label": {"en": ": label ", "ja": "：正解 "},
    "network says": {"en": ", network says ", "ja": "、ネットワークの答え "},
    "images per second": {"en": " img/s", "ja": " 枚/秒"},
    "seconds left": {"en": " s left", "ja": " 秒で終了"},
    "progress training": {"en": "Training ", "ja": "学習 "},
    "progress testing": {"en": "Testing ", "ja": "テスト "},
    # Backdrop captions
    "caption pad": {"en": "Draw a digit here with the mouse",
                    "ja": "ここにマウスで数字を書こう"},
    "caption monitors": {"en": "accuracy %, loss, epochs trained", "ja": "正解率(%)・損失・学習エポック数"},
    "caption bars": {"en": "how sure, digit by digit", "ja": "数字ごとの確からしさ"},
    # Block comments (one per custom block, plus a few on hats)
    "comment pad pressed": {"en": "The stage was clicked: the pad sprite decides whether it is a stroke",
                            "ja": "ステージがクリックされた：パッドの上なら線を書く"},
    "comment draw": {"en": "Paint while the mouse is down, then classify the drawing",
                     "ja": "マウスを押している間は書き、離したら判定する"},
    "comment find cell": {"en": "Which pad cell (row, column from 0) is under the mouse pointer",
                          "ja": "マウスの下にあるマスの行と列（0から）"},
    "comment brush": {"en": "A soft brush about as wide as an MNIST pen stroke",
                      "ja": "MNISTの線の太さくらいの、やわらかいブラシ"},
    "comment add ink": {"en": "Darken one cell (at most 1) and draw it",
                        "ja": "1マスを濃くして（最大1）描く"},
    "comment line": {"en": "Fill the gap since the last cell so fast strokes stay connected",
                     "ja": "速く動かしても線が切れないよう、前のマスとの間を埋める"},
    "comment draw cell": {"en": "Stamp one cell in its gray level", "ja": "1マスをその濃さでスタンプする"},
    "comment clear": {"en": "Empty the pad and wipe the pen drawings",
                      "ja": "パッドを空にしてペンの絵を消す"},
    "comment redraw": {"en": "Draw every inked cell of the pad again",
                       "ja": "パッドの色のついたマスを描き直す"},
    "comment training image": {"en": "Show a training image, as the network sees it, and classify it",
                               "ja": "訓練画像をネットワークが見る形で表示して判定する"},
    "comment put training image": {"en": "Spread the 14x14 input (the unpacked training image) over the pad",
                                   "ja": "inputの画像（開いた訓練画像）をパッドに広げて表示する"},
    "comment predict pad": {"en": "Normalise the drawing like MNIST, then classify it",
                            "ja": "MNISTと同じように整えてから判定する"},
    "comment normalise": {"en": "Make the drawing look like an MNIST digit, then like a training image",
                          "ja": "書いた数字をMNISTの数字の形にし、訓練画像と同じ処理をする"},
    "comment ink box": {"en": "Smallest rectangle around all inked cells",
                        "ja": "色のついたマスをすべて囲む一番小さい長方形"},
    "comment scale": {"en": "Resize the ink rectangle into a 20x20 box, keeping its shape (bilinear)",
                      "ja": "長方形の形を保ったまま20x20の箱に拡大・縮小（バイリニア）"},
    "comment read pad": {"en": "One pad cell, 0 outside the pad", "ja": "パッドの1マス（外側は0）"},
    "comment centre": {"en": "Put the box into the 28x28 frame so its centre of mass is in the middle",
                       "ja": "重心が真ん中に来るように箱を28x28の枠に置く"},
    "comment empty frame": {"en": "An empty 28x28 frame", "ja": "空の28x28の枠"},
    "comment preprocess": {"en": "Exactly the training images' steps: crop, resize, threshold",
                           "ja": "訓練画像とまったく同じ処理：切り取り・縮小・2値化"},
    "comment show result": {"en": "Show the answer digit and the probability bars",
                            "ja": "答えの数字と確率のバーを表示する"},
    "comment bars": {"en": "Ten bars, one per digit: longer means more sure",
                     "ja": "数字ごとに1本のバー。長いほど自信がある"},
    "comment bar": {"en": "One bar: a gray track, then the colored part",
                    "ja": "1本のバー：灰色の下地と色の部分"},
    "comment progress": {"en": "Redraw the progress bar until training or testing ends",
                         "ja": "学習やテストが終わるまで進み具合のバーを描き直す"},
    "comment progress bar": {"en": "Gray track, then the done part in green",
                             "ja": "灰色の下地に、終わった分を緑で"},
    "comment button": {"en": "Ignored with a message while the network is busy",
                       "ja": "ネットワークが計算中なら、メッセージを出して何もしない"},
    "comment green flag": {"en": "Reset the display; trained weights are kept",
                           "ja": "表示をリセット（学習した重みはそのまま）"},
}


def check_language(lang: str) -> str:
    if lang not in LANGUAGES:
        raise Sb3genError(f"unknown language {lang!r}: choose one of {', '.join(LANGUAGES)}")
    return lang


def texts(lang: str) -> dict[str, str]:
    """All words in one language, keyed by the English id (templates use t['key'])."""
    check_language(lang)
    return {key: words[lang] for key, words in _TEXT.items()}
