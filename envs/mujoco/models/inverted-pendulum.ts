/**
 * MJCF of InvertedPendulum-v5: a cart on a ±1 m rail with a 0.6 m pole hinged on it, one motor on the cart.
 *
 * Physical parameters are those of Gymnasium's `inverted_pendulum.xml`: RK4 at 20 ms, gravity 9.81; no
 * collisions (contype 0); cart capsule of radius 0.1 and half-length 0.1 lying along x, pole capsule of radius
 * 0.049 from (0, 0, 0) to (0.001, 0, 0.6), density 1000; joint damping 1, no armature, the slider limited to
 * ±1 and the hinge to ±90°; motor gear 100 on [−3, 3]. The capsules' quaternion keeps the reference's
 * literal (0.707, 0, 0.707, 0), which MuJoCo normalises, so the compiled model is the same to the last bit.
 */
export const INVERTED_PENDULUM_XML = `
<mujoco model="varl-inverted-pendulum">
  <compiler inertiafromgeom="true"/>
  <option timestep="0.02" integrator="RK4" gravity="0 0 -9.81"/>
  <default>
    <joint limited="true" armature="0" damping="1"/>
    <geom type="capsule" contype="0" friction="1 0.1 0.1" rgba="0.7 0.7 0 1"/>
  </default>
  <worldbody>
    <geom name="rail" pos="0 0 0" quat="0.707 0 0.707 0" size="0.02 1" rgba="0.3 0.3 0.7 1"/>
    <body name="cart" pos="0 0 0">
      <joint name="slider" type="slide" axis="1 0 0" pos="0 0 0" range="-1 1"/>
      <geom name="cart" pos="0 0 0" quat="0.707 0 0.707 0" size="0.1 0.1"/>
      <body name="pole" pos="0 0 0">
        <joint name="hinge" type="hinge" axis="0 1 0" pos="0 0 0" range="-90 90"/>
        <geom name="cpole" fromto="0 0 0 0.001 0 0.6" size="0.049 0.3" rgba="0 0.7 0.7 1"/>
      </body>
    </body>
  </worldbody>
  <actuator>
    <motor name="slide" joint="slider" ctrllimited="true" ctrlrange="-3 3" gear="100"/>
  </actuator>
</mujoco>
`;
